import type { ChildProcess } from 'node:child_process';
import { freePort } from './ports.js';
import { spawnGuarded, terminate } from './processes.js';

/** A moto server on loopback: AWS APIs (Secrets Manager, S3, CloudFormation, …) in memory. */
export interface Moto {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Starts moto's server (`pip install -r requirements-dev.txt`) on a free loopback port and
 * waits until it answers. `args` replaces `-m moto.server` (the deploy rehearsal runs moto
 * through its shim). Moto never runs Lambda here: nothing in the tests invokes a function
 * through it, so it never pulls an image.
 */
export async function startMoto(
  args: readonly string[] = ['-m', 'moto.server'],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Moto> {
  const port = await freePort();
  let output = '';
  const child = spawnGuarded('python3', [...args, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env,
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output = `${output}${chunk.toString()}`.slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  await waitForHttp(endpoint, child, () => output);
  return { endpoint, port, stop: () => terminate(child) };
}

/** Polls until the server answers HTTP; fails at once if its process exits. */
async function waitForHttp(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(
        `moto server exited (code ${child.exitCode}): pip install -r requirements-dev.txt\n${output()}`,
      );
    }
    if (
      await fetch(url).then(
        () => true,
        () => false,
      )
    )
      return;
    if (Date.now() > deadline) throw new Error(`moto server did not answer at ${url} within 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
