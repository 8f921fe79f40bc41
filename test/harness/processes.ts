import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import type { Socket } from 'node:net';

/** Every child started through {@link spawnGuarded} that has not exited yet. */
const live = new Set<ChildProcess>();
let hooksInstalled = false;

/**
 * Spawns a long-lived child (a Kafka broker) that must never outlive this process.
 *
 * Two layers, because neither alone is enough:
 * - `exit`/`SIGINT`/`SIGTERM`/`SIGHUP` handlers SIGKILL the child when Node shuts down
 *   in an orderly way (including Ctrl-C and vitest tearing down its workers; a program that
 *   handles the signal itself keeps its children until it exits);
 * - a tiny `sh` watchdog blocks reading a pipe whose only writer is this process. When
 *   this process dies in any way, even SIGKILL or an OOM kill that runs no handler, the
 *   kernel closes the pipe, `read` returns and the watchdog SIGKILLs the child.
 *
 * The child is unref'ed so a forgotten broker never keeps the test runner alive; the
 * handlers above still kill it.
 */
export function spawnGuarded(command: string, args: string[], options: SpawnOptions): ChildProcess {
  installHooks();
  const child = spawn(command, args, { ...options, detached: false });
  // Without a listener an 'error' (e.g. a failed kill) would crash the test process;
  // callers that care add their own.
  child.on('error', () => undefined);
  if (child.pid === undefined) {
    // Spawn failed (ENOENT…); the 'error' event reports why, nothing to guard.
    return child;
  }
  live.add(child);
  const watchdog = spawn('sh', ['-c', 'read -r _; kill -9 "$0" 2>/dev/null', String(child.pid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watchdog.on('error', () => undefined);
  watchdog.unref();
  (watchdog.stdin as Socket | null)?.unref();
  child.once('exit', () => {
    live.delete(child);
    // The child is gone: retire its watchdog before the pid can be reused.
    watchdog.kill('SIGKILL');
  });
  child.unref();
  return child;
}

/** Resolves when `child` has exited (immediately if it already has). */
export function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Sends `signal` and waits for the exit; escalates to SIGKILL after `graceMs`.
 * A stopped (SIGSTOP) child is continued first, or it could never handle SIGTERM.
 */
export async function terminate(
  child: ChildProcess,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 15_000,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = waitForExit(child);
  if (signal !== 'SIGKILL') child.kill('SIGCONT');
  child.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const escalate = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, graceMs);
  });
  await Promise.race([exited, escalate]);
  clearTimeout(timer);
  await exited;
}

function killAll(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }
  live.clear();
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      // Someone else handles the signal (npm start stops cleanly on Ctrl-C and still needs its
      // broker to finish): leave the children to the 'exit' hook and the watchdogs.
      if (process.listenerCount(signal) > 1) return;
      killAll();
      // Listening for a signal disables Node's default "exit on signal": nobody else handles
      // it, so restore that behaviour by re-raising it without our listener.
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}
