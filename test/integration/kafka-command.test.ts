import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * `npm run kafka`, as a developer runs it for `npm run invoke` or `sam local invoke`: a broker in
 * the foreground with the topics, an env-vars file that points the function at it, and Ctrl-C
 * stops it all.
 */

interface Ready {
  bootstrap: string;
  container?: string;
  topics: string[];
  envFile: string;
  containerEnvFile?: string;
  pid: number;
}

let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
});

/** Starts the command and resolves with its ready line once the broker and topics exist. */
async function start(args: string[]): Promise<{ ready: Ready; exited: Promise<number | null> }> {
  // One process, as `npm run kafka` runs it: tsx's CLI would relay Ctrl-C through a parent
  // that SIGKILLs a child slow to confirm it.
  child = spawn(process.execPath, ['--import', 'tsx', 'scripts/kafka.ts', '--json', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  let out = '';
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk;
  });
  const ready = await new Promise<Ready>((resolve, reject) => {
    child?.stdout?.on('data', (chunk: Buffer) => {
      out += chunk;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line && out.includes('\n')) resolve(JSON.parse(line) as Ready);
    });
    void exited.then((code) => reject(new Error(`npm run kafka exited with ${code}:\n${err}`)));
  });
  return { ready, exited };
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('npm run kafka', () => {
  it('runs a broker with both topics and the env file to pass, and stops it all on Ctrl-C', async () => {
    const { ready, exited } = await start([]);
    const admin = new Kafka({
      clientId: 'test',
      brokers: [ready.bootstrap],
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    const topics = await admin.listTopics();
    await admin.disconnect();

    expect(topics).toEqual(expect.arrayContaining(['proto-spans', 'proto-spans-dlq']));
    expect(JSON.parse(readFileSync(ready.envFile, 'utf8'))).toEqual({
      CollectorFunction: {
        KAFKA_BROKERS: ready.bootstrap,
        KAFKA_TOPIC: 'proto-spans',
        KAFKA_DLQ_TOPIC: 'proto-spans-dlq',
        KAFKA_SSL: 'false',
        KAFKA_SASL_MECHANISM: 'none',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      },
    });

    child?.kill('SIGINT');

    expect(await exited).toBe(0);
    expect(alive(ready.pid)).toBe(false);
    expect(existsSync(ready.envFile)).toBe(false);
  });

  it('with --container-host, adds a loopback listener advertised under that name and its env file', async () => {
    const { ready, exited } = await start(['--container-host', 'host.docker.internal']);
    const [, port] = (ready.container ?? '').split(':');
    const socket = connect(Number(port), '127.0.0.1');
    await once(socket, 'connect');
    socket.destroy();

    expect(ready.container).toMatch(/^host\.docker\.internal:\d+$/);
    expect(
      JSON.parse(readFileSync(ready.containerEnvFile ?? '', 'utf8')).CollectorFunction
        .KAFKA_BROKERS,
    ).toBe(ready.container);

    child?.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
