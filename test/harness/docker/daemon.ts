import { type ChildProcess, execFile } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { spawnGuarded, terminate, waitForExit } from '../processes.js';
import { type DockerApi, dockerApi } from './api.js';

const execFileAsync = promisify(execFile);

/**
 * The flags that keep a hand-started daemon to itself and all traffic on loopback: no bridge
 * (so only the `host` and `none` networks exist), and no iptables, forwarding or masquerading
 * changes to the machine. Never create a bridge network on such a daemon.
 */
export const ISOLATION_FLAGS = [
  '--bridge=none',
  '--iptables=false',
  '--ip6tables=false',
  '--ip-forward=false',
  '--ip-masq=false',
] as const;

/** A Docker daemon owned by the caller. */
export interface DockerDaemon extends DockerApi {
  /** `unix://<dir>/docker.sock`, for `DOCKER_HOST`. */
  readonly host: string;
  readonly pid: number;
  /** Socket, data root, exec root, pidfile and log; removed by {@link DockerDaemon.stop}. */
  readonly dir: string;
  readonly logFile: string;
  /**
   * Removes any container still there, stops the daemon (SIGTERM, by its PID; it stops its own
   * containerd) and deletes its directory. Resolves with the IDs of the containers it had to
   * remove, so a caller can fail a run that left one behind.
   */
  stop(): Promise<string[]>;
}

/**
 * Starts Debian's `dockerd` (package docker.io) by hand with its own socket, data root, exec
 * root, pidfile and an empty config file in a fresh temp dir, so that it shares nothing with
 * another daemon on the machine (its containerd lives under the exec root too), and waits until
 * it answers `/_ping`. Needs root. Dies with the calling process (see `spawnGuarded`).
 */
export async function startDocker(readyTimeoutMs = 60_000): Promise<DockerDaemon> {
  // Short: the socket paths of dockerd and its containerd must fit in 108 bytes.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dockerd-'));
  const socket = path.join(dir, 'docker.sock');
  const logFile = path.join(dir, 'dockerd.log');
  await writeFile(path.join(dir, 'daemon.json'), '{}\n');
  const fd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawnGuarded(
      'dockerd',
      [
        `--host=unix://${socket}`,
        `--data-root=${path.join(dir, 'data')}`,
        `--exec-root=${path.join(dir, 'exec')}`,
        `--pidfile=${path.join(dir, 'docker.pid')}`,
        `--config-file=${path.join(dir, 'daemon.json')}`,
        ...ISOLATION_FLAGS,
      ],
      // dockerd lives in /usr/sbin and finds containerd, runc and docker-init on its PATH.
      {
        stdio: ['ignore', fd, fd],
        env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin` },
      },
    );
  } finally {
    closeSync(fd);
  }
  const api = dockerApi(socket);
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error) =>
      reject(
        new Error(
          `Cannot run dockerd (${error.message}): install Docker, e.g. apt-get install docker.io`,
        ),
      ),
    );
    void waitForExit(child).then(async () =>
      reject(new Error(`dockerd exited during start-up:\n${await tail(logFile)}`)),
    );
  });
  failed.catch(() => undefined);
  try {
    await Promise.race([waitForPing(api, readyTimeoutMs, logFile), failed]);
  } catch (error) {
    await terminate(child, 'SIGKILL');
    await unmountUnder(dir).catch(() => undefined);
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
  const pid = child.pid as number;
  return {
    ...api,
    host: `unix://${socket}`,
    pid,
    dir,
    logFile,
    async stop() {
      const left = await removeAllContainers(api).catch(() => []);
      await terminate(child, 'SIGTERM', 30_000);
      await unmountUnder(dir);
      await rm(dir, { recursive: true, force: true });
      return left;
    },
  };
}

async function waitForPing(api: DockerApi, timeoutMs: number, logFile: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no attempt';
  for (;;) {
    try {
      const { status, body } = await api.request('GET', '/_ping');
      if (status === 200 && body.toString() === 'OK') return;
      last = `HTTP ${status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `dockerd did not answer /_ping within ${timeoutMs} ms (${last}):\n${await tail(logFile)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Force-removes every container of the daemon; returns their IDs. */
async function removeAllContainers(api: DockerApi): Promise<string[]> {
  const ids = await api.containers();
  for (const id of ids) await api.request('DELETE', `/containers/${id}?force=1&v=1`);
  return ids;
}

/**
 * Unmounts what the daemon left mounted in its directory: it keeps the host network's
 * namespace bind-mounted at `<exec root>/netns/default` after it exits.
 */
async function unmountUnder(dir: string): Promise<void> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  const points = mountinfo
    .split('\n')
    .map((line) =>
      line.split(' ')[4]?.replace(/\\(\d{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8))),
    )
    .filter((p): p is string => p?.startsWith(`${dir}/`) === true)
    .sort((a, b) => b.length - a.length);
  for (const point of points) await execFileAsync('umount', [point]);
}

async function tail(file: string, lines = 30): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
