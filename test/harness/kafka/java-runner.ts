import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../paths.js';
import { spawnGuarded } from '../processes.js';
import { existingCdsArgs, jvmArgs } from './jvm.js';

const execFileAsync = promisify(execFile);

/** Output of one {@link runTool} call. */
export interface ToolRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a Kafka tool main class from `libs`, feeding `input` on stdin. */
export async function runTool(
  libs: string,
  args: string[],
  options: { input?: string; timeoutMs: number; classpath?: string[] },
): Promise<ToolRun> {
  const version = await libsVersion(libs);
  const jvm = [
    ...existingCdsArgs(libs),
    ...jvmArgs(libs, version, { heap: '256m', logLevel: 'WARN', classpath: options.classpath }),
  ];
  // Guarded like a broker: a console consumer waiting for records must not outlive us.
  const child = spawnGuarded('java', [...jvm, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  child.stdin?.on('error', () => undefined);
  child.stdin?.end(options.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c) => resolve(c));
    });
    if (code === null) {
      throw new Error(`${args[0]} killed after ${options.timeoutMs} ms:\n${stderr}`);
    }
    return { code, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

const versionCache = new Map<string, Promise<string>>();

/** Kafka version of a libs dir, from its kafka-clients jar name. */
function libsVersion(libs: string): Promise<string> {
  let p = versionCache.get(libs);
  if (!p) {
    p = readdir(libs).then((names) => {
      const m = names.map((n) => /^kafka-clients-(\d+\.\d+\.\d+)\.jar$/.exec(n)).find(Boolean);
      if (!m?.[1]) throw new Error(`No kafka-clients jar in ${libs}`);
      return m[1];
    });
    versionCache.set(libs, p);
  }
  return p;
}

const classCache = new Map<string, Promise<boolean>>();

/**
 * Whether one of Kafka's own jars in `libs` contains `className`. Zip entry names are
 * stored uncompressed, so searching the raw bytes is enough and needs no unzip.
 */
export function hasClass(libs: string, className: string): Promise<boolean> {
  const key = `${libs}\0${className}`;
  let p = classCache.get(key);
  if (!p) {
    const entry = Buffer.from(`${className.replace(/\./g, '/')}.class`);
    p = readdir(libs).then(async (names) => {
      for (const name of names.filter((n) => /^kafka(_2\.\d+|-tools)-[\d.]+\.jar$/.test(n))) {
        if ((await readFile(path.join(libs, name))).includes(entry)) return true;
      }
      return false;
    });
    classCache.set(key, p);
  }
  return p;
}

const optionsCache = new Map<string, Promise<Set<string>>>();

/** The `--options` a tool accepts, read from its `--help` (option names change across releases). */
export function toolOptions(libs: string, mainClass: string): Promise<Set<string>> {
  const key = `${libs}\0${mainClass}`;
  let p = optionsCache.get(key);
  if (!p) {
    p = runTool(libs, [mainClass, '--help'], { timeoutMs: 60_000 }).then((run) => {
      const names = [...`${run.stdout}\n${run.stderr}`.matchAll(/^--([a-z][a-z.-]*)/gm)];
      return new Set(names.map((m) => m[1] ?? ''));
    });
    optionsCache.set(key, p);
  }
  return p;
}

const compiled = new Map<string, Promise<string>>();

/**
 * Compiles the harness's Java helpers against `libs` once and caches the classes next to
 * the jars, in a directory named after the source hash so edits trigger a rebuild.
 */
export function compileHelpers(libs: string): Promise<string> {
  let p = compiled.get(libs);
  if (!p) {
    p = (async () => {
      const src = path.join(repoRoot(), 'test', 'harness', 'kafka', 'java', 'harness');
      const files = (await readdir(src)).filter((n) => n.endsWith('.java')).sort();
      const hash = createHash('sha256');
      for (const f of files) hash.update(f).update(await readFile(path.join(src, f)));
      const out = path.join(
        path.dirname(libs),
        `harness-classes-${hash.digest('hex').slice(0, 12)}`,
      );
      if (existsSync(out)) return out;
      const tmp = `${out}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
      await mkdir(tmp, { recursive: true });
      try {
        await execFileAsync('javac', [
          '-nowarn',
          '--release',
          '11',
          '-cp',
          path.join(libs, '*'),
          '-d',
          tmp,
          ...files.map((f) => path.join(src, f)),
        ]);
        await rename(tmp, out).catch((err) => {
          // A concurrent run may have compiled the same sources first.
          if (!existsSync(out)) throw err;
        });
        return out;
      } catch (err) {
        const e = err as { stderr?: string; message: string };
        throw new Error(`javac of the harness helpers failed: ${e.message}\n${e.stderr ?? ''}`);
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    })();
    compiled.set(libs, p);
    p.catch(() => compiled.delete(libs));
  }
  return p;
}
