import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { repoRoot } from '../harness/paths.js';
import { terminate } from '../harness/processes.js';
import type { InvokeMessage, RuntimeMessage } from './lambda-container-runtime.js';

/** One structured log line of the function (Powertools' JSON). */
export type FunctionLog = { level: string; message: string } & Record<string, unknown>;

/**
 * A warm Lambda execution environment on this machine: one process that loaded the function's
 * handler once and serves invocation after invocation, with only the environment it was given
 * (the credential chain, the region, the function's variables). Several can run side by side,
 * each with its own credentials, as separate containers of one function do.
 */
export interface LambdaContainer {
  /** The process: the same pid for every invocation means no cold start happened in between. */
  readonly pid: number;
  /** Invokes the handler with a context whose deadline is `remainingMs` away (the stack's 60 s). */
  invoke(event: KinesisStreamEvent, remainingMs?: number): Promise<KinesisStreamBatchResponse>;
  /** TLS connections the function opened so far, as of the last answer. */
  readonly tlsConnections: number;
  /** Everything the function logged so far, oldest first. */
  logs(): FunctionLog[];
  /** Ends the environment (SIGTERM, as Lambda's shutdown). */
  stop(): Promise<void>;
}

const RUNTIME = path.join(repoRoot(), 'test', 'helpers', 'lambda-container-runtime.ts');

/**
 * Starts an environment whose process sees exactly `env` (plus PATH), runs lambda/handler.ts from
 * source with tsx on the Node.js running the tests, and resolves once its init is done. Rejects
 * with the function's output if the init fails (a bad variable stops the cold start).
 */
export async function startContainer(env: Record<string, string>): Promise<LambdaContainer> {
  const child = fork(RUNTIME, [], {
    cwd: repoRoot(),
    execArgv: ['--import', 'tsx'],
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const logs: FunctionLog[] = [];
  let stderr = '';
  // Powertools writes info and below to stdout, warnings and errors to stderr, one JSON line each.
  const collect = (stream: NodeJS.ReadableStream | null, raw: (line: string) => void) => {
    let buffered = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const parsed = parseLog(line);
        if (parsed) logs.push(parsed);
        else raw(line);
      }
    });
  };
  collect(child.stdout, () => undefined);
  collect(child.stderr, (line) => {
    stderr += `${line}\n`;
  });

  const pending = new Map<number, (message: RuntimeMessage) => void>();
  let tlsConnections = 0;
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code, signal) => {
      const error = new Error(
        `The Lambda container exited (code ${code}, signal ${signal}):\n${stderr}\n${logs.map((l) => JSON.stringify(l)).join('\n')}`,
      );
      for (const resolve of pending.values())
        resolve({ type: 'error', id: -1, error: error.message, tlsConnections });
      reject(error);
    });
  });
  exited.catch(() => undefined);
  const ready = new Promise<void>((resolve) => {
    child.on('message', (message: RuntimeMessage) => {
      if (message.type === 'ready') return resolve();
      tlsConnections = message.tlsConnections;
      pending.get(message.id)?.(message);
      pending.delete(message.id);
    });
  });
  await Promise.race([ready, exited]);

  let nextId = 0;
  return {
    pid: child.pid as number,
    get tlsConnections() {
      return tlsConnections;
    },
    logs: () => [...logs],
    async invoke(event, remainingMs = 60_000) {
      const id = nextId++;
      const answer = new Promise<RuntimeMessage>((resolve) => pending.set(id, resolve));
      const message: InvokeMessage = { id, event, remainingMs };
      child.send(message);
      const reply = await answer;
      if (reply.type === 'error') throw new Error(`The handler threw: ${reply.error}`);
      if (reply.type !== 'response') throw new Error(`Unexpected answer ${reply.type}`);
      return reply.response as KinesisStreamBatchResponse;
    },
    stop: () => stopChild(child),
  };
}

function parseLog(line: string): FunctionLog | undefined {
  try {
    const parsed = JSON.parse(line) as FunctionLog;
    return typeof parsed?.message === 'string' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await terminate(child, 'SIGTERM', 5_000);
}
