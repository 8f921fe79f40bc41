import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Runs a Node script in a fresh process and parses the JSON line it prints. */
export async function runJsonChild<T>(
  node: string,
  args: string[],
  env: Record<string, string>,
): Promise<T> {
  const { stdout } = await execFileAsync(node, args, {
    env: { ...process.env, ...env },
    maxBuffer: 16 * 1024 * 1024,
    timeout: 120_000,
  });
  const line = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as T;
}

/**
 * The environment a fresh process running dist/handler.js gets in the cold-start and memory
 * suites: the local plaintext broker, no dead letters, logs and metrics silent.
 */
export function bundleEnv(brokers: readonly string[], topic: string): Record<string, string> {
  return {
    KAFKA_BROKERS: brokers.join(','),
    KAFKA_TOPIC: topic,
    KAFKA_SSL: 'false',
    KAFKA_SASL_MECHANISM: 'none',
    KAFKA_DLQ_TOPIC: 'none',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
}
