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
