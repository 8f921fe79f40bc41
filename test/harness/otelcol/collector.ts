import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawnGuarded, terminate } from '../processes.js';
import { otelcolBinary } from './build.js';

/** A running OpenTelemetry Collector (the binary of build.ts) with its own temp dir. */
export interface OtelCollector {
  /** The collector's temp dir: its config, and where file exporters may write. */
  dir: string;
  pid: number;
  /** Seconds of CPU (user + system) the collector's process has used so far. */
  cpuSeconds(): Promise<number>;
  /** What the collector logged so far. */
  output(): string;
  stop(): Promise<void>;
}

/** How long a collector may take to report itself ready before the start is given up. */
const READY_TIMEOUT_MS = 120_000;

/**
 * Starts a collector with `config` (the Collector's YAML configuration, as an object; written
 * as JSON, which YAML reads) once it logs that every pipeline is running. Its own telemetry is
 * switched off so that it binds no fixed port (`:8888`), and `config` may use `{dir}` in
 * strings, replaced by the collector's temp dir. The process dies with the test process.
 */
export async function startOtelcol(config: Record<string, unknown>): Promise<OtelCollector> {
  const binary = await otelcolBinary();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'otelcol-'));
  const full = {
    ...config,
    service: {
      ...(config.service as object),
      telemetry: { metrics: { level: 'none' }, logs: { level: 'info', encoding: 'console' } },
    },
  };
  const file = path.join(dir, 'config.yaml');
  await writeFile(file, JSON.stringify(full).replaceAll('{dir}', dir));
  const child: ChildProcess = spawnGuarded(binary, ['--config', `file:${file}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the collector did not get ready:\n${out.slice(-3000)}`)),
      READY_TIMEOUT_MS,
    );
    const onData = (chunk: string) => {
      out += chunk;
      if (out.includes('Everything is ready')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.setEncoding('utf8').on('data', onData);
    child.stderr?.setEncoding('utf8').on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the collector exited (${code}):\n${out.slice(-3000)}`));
    });
  });
  const stop = async () => {
    await terminate(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await ready;
  } catch (error) {
    await stop();
    throw error;
  }
  const pid = child.pid as number;
  return {
    dir,
    pid,
    cpuSeconds: () => processCpuSeconds(pid),
    output: () => out,
    stop,
  };
}

let ticks: number | undefined;

/** utime + stime of a process from /proc, in seconds. */
export async function processCpuSeconds(pid: number): Promise<number> {
  ticks ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at state: utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticks;
}
