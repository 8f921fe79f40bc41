import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../paths.js';

/** The synthesized template `npm run synth` writes, and the function's fixed logical ID in it. */
export const TEMPLATE = 'cdk.out/HaystackKinesisCollector.template.json';
export const FUNCTION_ID = 'CollectorFunction';

/** tools/sam/sam_host_network.py: the SAM CLI with function containers on the host network. */
export const LAUNCHER = path.join(repoRoot(), 'tools', 'sam', 'sam_host_network.py');

/**
 * The SAM CLI's environment: the daemon to use, telemetry off, and botocore's credential chain
 * kept off the EC2 metadata address (test traffic stays on loopback).
 */
export function samEnv(dockerHost: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DOCKER_HOST: dockerHost,
    SAM_CLI_TELEMETRY: '0',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

/** What one SAM CLI run printed. */
export interface SamRun {
  code: number | null;
  /** The function's answer (SAM writes only that to stdout). */
  stdout: string;
  /** SAM's progress lines and the container's output: the function's logs, START, END, REPORT. */
  stderr: string;
}

/**
 * Runs the SAM CLI (`sam <args>`, through the launcher) against the daemon at `dockerHost`,
 * from the repository root, in {@link samEnv}. `python` must have `aws-sam-cli` installed
 * (requirements-dev.txt). Long-running commands (`local start-lambda`) are stopped with
 * `signal`.
 */
export function sam(
  args: readonly string[],
  dockerHost: string,
  options: { python?: string; signal?: AbortSignal } = {},
): Promise<SamRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(options.python ?? 'python3', [LAUNCHER, ...args], {
      cwd: repoRoot(),
      env: samEnv(dockerHost),
      stdio: ['ignore', 'pipe', 'pipe'],
      signal: options.signal,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.once('error', (error) => {
      if (error.name !== 'AbortError') reject(error);
    });
    child.once('close', (code) =>
      resolve({
        code,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
      }),
    );
  });
}

/** `sam local invoke` of the collector from the synthesized template, in the offline image. */
export function samLocalInvoke(
  eventFile: string,
  envVarsFile: string,
  image: string,
  dockerHost: string,
): Promise<SamRun> {
  return sam(
    [
      'local',
      'invoke',
      '--template',
      TEMPLATE,
      FUNCTION_ID,
      '--event',
      eventFile,
      '--env-vars',
      envVarsFile,
      '--invoke-image',
      image,
      '--skip-pull-image',
    ],
    dockerHost,
  );
}

/**
 * The function's own output from a `sam local invoke` run: the container's lines up to and
 * including REPORT. What follows REPORT is the emulator shutting the container down (the
 * runtime interface client may log that its next poll found no emulator), not the function.
 * Throws when there is no REPORT line, so a run that never invoked cannot pass for a quiet one.
 */
export function functionLog(stderr: string): string[] {
  const lines = stderr.split('\n');
  const start = lines.findIndex((l) => l.startsWith('SAM_CONTAINER_ID:'));
  const report = lines.findIndex((l) => l.startsWith('REPORT RequestId:'));
  if (start < 0 || report < start)
    throw new Error(`No container output with a REPORT line in SAM's output:\n${stderr}`);
  return lines.slice(start + 1, report + 1);
}

/** Lines logged at ERROR level: Powertools' `"level":"ERROR"`, the runtime's `\tERROR\t`, `[ERROR]`. */
export function errorLines(log: readonly string[]): string[] {
  return log.filter((l) => /"level":"ERROR"|\tERROR\t|\[ERROR\]/.test(l));
}
