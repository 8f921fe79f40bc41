import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { repoRoot } from '../paths.js';
import { freePort } from '../ports.js';
import { terminate, waitForExit } from '../processes.js';
import { LAUNCHER, samEnv, TEMPLATE } from './cli.js';

/** A running `sam local start-lambda`: the Lambda Invoke API on loopback. */
export interface LocalLambdaApi {
  /** `http://127.0.0.1:<port>`, the `endpoint` of an AWS SDK Lambda client. */
  endpoint: string;
  pid: number;
  /** SAM's output so far (the function containers' logs included). */
  output(): string;
  /** Stops SAM (SIGTERM, by its PID) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts `sam local start-lambda` on the synthesized template through the host-network
 * launcher, on a free loopback port, with the offline image (see environment.ts), and resolves
 * once the port accepts connections. Each Invoke call runs the function in a fresh container on
 * the host network, so it reaches a broker on 127.0.0.1 as `local invoke` does.
 */
export async function startLocalLambdaApi(
  dockerHost: string,
  image: string,
  envVarsFile: string,
  readyTimeoutMs = 60_000,
): Promise<LocalLambdaApi> {
  const port = await freePort();
  const child = spawn(
    'python3',
    [
      LAUNCHER,
      'local',
      'start-lambda',
      '--template',
      TEMPLATE,
      '--env-vars',
      envVarsFile,
      '--invoke-image',
      image,
      '--skip-pull-image',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
    ],
    {
      cwd: repoRoot(),
      env: samEnv(dockerHost),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk;
  });
  const stop = async () => terminate(child, 'SIGTERM', 15_000);
  const deadline = Date.now() + readyTimeoutMs;
  let exited = false;
  void waitForExit(child).then(() => {
    exited = true;
  });
  while (!(await accepts(port))) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`sam local start-lambda did not listen on ${port}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    pid: child.pid as number,
    output: () => output,
    stop,
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
