import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { envVarsFor, functionFromTemplate, lambdaEnvironment } from '../../scripts/invoke.js';
import { freePort } from '../harness/ports.js';
import { build } from './fixtures.js';

const execFileAsync = promisify(execFile);
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'invoke-'));

/** `npm run invoke -- …` as a user runs it; resolves with the exit code and both streams. */
async function invoke(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(
      process.execPath,
      ['--import', 'tsx', 'scripts/invoke.ts', ...args],
      {
        timeout: 60_000,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The JSON document printed last on stdout (the function's own EMF lines come before it). */
const lastJson = (stdout: string): unknown =>
  JSON.parse(stdout.slice(stdout.lastIndexOf('\n{\n') + 1));

function envFile(variables: Record<string, string>): string {
  const file = path.join(tmp(), 'env.json');
  writeFileSync(file, JSON.stringify({ CollectorFunction: variables }));
  return file;
}

const LOCAL = { KAFKA_SSL: 'false', KAFKA_SASL_MECHANISM: 'none', KAFKA_DLQ_TOPIC: 'none' };

describe('npm run invoke', () => {
  it('answers an all-invalid batch without reaching Kafka: nothing to retry', async () => {
    const env = envFile({ ...LOCAL, KAFKA_BROKERS: '127.0.0.1:9' });

    const { code, stdout, stderr } = await invoke([
      'events/invalid-records.json',
      '--env-vars',
      env,
      '--no-template',
    ]);

    expect(code).toBe(0);
    expect(lastJson(stdout)).toEqual({ batchItemFailures: [] });
    expect(stderr).toContain('"invalid":7');
  });

  it('names the first record when Kafka is unreachable, within the function timeout', async () => {
    const closed = await freePort();
    const env = envFile({
      ...LOCAL,
      KAFKA_BROKERS: `127.0.0.1:${closed}`,
      KAFKA_RETRIES: '1',
      DEADLINE_MARGIN_MS: '500',
    });
    const first = JSON.parse(readFileSync('events/valid-spans.json', 'utf8')).Records[0].kinesis
      .sequenceNumber;

    const { code, stdout } = await invoke([
      'events/valid-spans.json',
      '--env-vars',
      env,
      '--no-template',
      '--timeout',
      '5',
    ]);

    // The batch response, not Sandbox.Timedout: the handler answered within its 5 s.
    expect(code).toBe(0);
    expect(lastJson(stdout)).toEqual({ batchItemFailures: [{ itemIdentifier: first }] });
  });

  it('reports a handler that outlives the timeout as Lambda does, exit code 1', async () => {
    const bundle = path.join(tmp(), 'hang.js');
    writeFileSync(bundle, 'exports.handler = () => new Promise(() => {});\n');

    const { code, stdout } = await invoke([
      'events/valid-spans.json',
      '--bundle',
      bundle,
      '--no-template',
      '--timeout',
      '1',
    ]);

    expect(code).toBe(1);
    expect(lastJson(stdout)).toEqual({
      errorType: 'Sandbox.Timedout',
      errorMessage: 'Task timed out after 1.00 seconds',
    });
  });

  it('reports an init failure (a bad environment) with the configuration error, exit code 1', async () => {
    const env = envFile({ ...LOCAL, KAFKA_BROKERS: '', KAFKA_ACKS: '0' });

    const { code, stdout } = await invoke([
      'events/valid-spans.json',
      '--env-vars',
      env,
      '--no-template',
    ]);

    expect(code).toBe(1);
    expect(lastJson(stdout)).toMatchObject({
      errorType: 'ConfigError',
      errorMessage: expect.stringContaining('KAFKA_ACKS'),
    });
  });

  it('refuses a missing event file argument with usage, exit code 2', async () => {
    const { code, stderr } = await invoke([]);

    expect(code).toBe(2);
    expect(stderr).toContain('Usage: npm run invoke --');
  });
});

describe('invoke environment', () => {
  it('reads the function variables, timeout and memory from a synthesized template', () => {
    const { template } = build();

    const definition = functionFromTemplate(template.toJSON(), 'CollectorFunction');

    expect(definition).toMatchObject({
      timeoutSeconds: 60,
      memoryMb: 1024,
      environment: { KAFKA_SASL_MECHANISM: 'aws-msk-iam', NODE_OPTIONS: '--enable-source-maps' },
    });
  });

  it("applies SAM's env-vars format: Parameters for all, the function's entry over it", () => {
    const file = {
      Parameters: { KAFKA_TOPIC: 'a', KAFKA_RETRIES: 3 },
      CollectorFunction: { KAFKA_TOPIC: 'b' },
      Other: { KAFKA_TOPIC: 'c' },
    };

    expect(envVarsFor(file, 'CollectorFunction')).toEqual({ KAFKA_TOPIC: 'b', KAFKA_RETRIES: '3' });
    expect(() => envVarsFor({ Other: {} }, 'CollectorFunction')).toThrow(
      'no "CollectorFunction" or "Parameters" entry',
    );
  });

  it("gives the function Lambda's runtime variables and the caller's AWS credentials, nothing else of the caller's", () => {
    const env = lambdaEnvironment(
      'CollectorFunction',
      1024,
      { KAFKA_TOPIC: 'spans' },
      {
        AWS_ACCESS_KEY_ID: 'AKIA',
        AWS_SECRET_ACCESS_KEY: 'secret',
        AWS_REGION: 'eu-west-1',
        KAFKA_BROKERS: 'stray:9092',
        PATH: '/usr/bin',
      },
    );

    expect(env).toMatchObject({
      AWS_ACCESS_KEY_ID: 'AKIA',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_REGION: 'eu-west-1',
      AWS_LAMBDA_FUNCTION_NAME: 'CollectorFunction',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      KAFKA_TOPIC: 'spans',
      PATH: '/usr/bin',
    });
    expect(env.KAFKA_BROKERS).toBeUndefined();
  });
});
