import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify, stripVTControlCharacters } from 'node:util';
import { repoRoot } from '../paths.js';

const execFileAsync = promisify(execFile);

/** Kafka release used when `KAFKA_VERSION` is not set: the last 3.x line, like most MSK clusters. */
export const DEFAULT_KAFKA_VERSION = '3.9.2';

/**
 * A Kafka 4.x release known to work with the harness (`KAFKA_VERSION=4.4.0`). 4.x drops
 * the old protocol versions, so running the suite against it proves kafkajs still fits.
 */
export const KAFKA_4_VERSION = '4.4.0';

/** Written after a successful download, so a half-copied directory is never trusted. */
const MARKER = '.complete';

/** The Kafka version selected for this run: env `KAFKA_VERSION`, else {@link DEFAULT_KAFKA_VERSION}. */
export function kafkaVersionFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const v = env.KAFKA_VERSION?.trim();
  return v ? v : DEFAULT_KAFKA_VERSION;
}

/** Major version number of a Kafka release string such as `3.9.2`. */
export function kafkaMajor(version: string): number {
  const major = Number.parseInt(version.split('.')[0] ?? '', 10);
  if (!Number.isFinite(major)) throw new Error(`Not a Kafka version: ${version}`);
  return major;
}

/** Cache directory of one Kafka version: `<repo>/.cache/kafka/<version>`. */
export function kafkaCacheDir(version: string): string {
  return path.join(repoRoot(), '.cache', 'kafka', version);
}

/** Serialises concurrent calls in one process so two tests never run mvn into the same dir. */
const pending = new Map<string, Promise<string>>();

/**
 * Returns the directory holding every jar of Kafka `version` (broker, tools and their
 * dependencies), downloading them from Maven Central with `mvn` on first use.
 *
 * The result is cached under `<repo>/.cache/kafka/<version>/libs`; mvn runs only when
 * that directory lacks its completion marker (first run, or an interrupted download).
 */
export function ensureKafkaJars(version: string = kafkaVersionFromEnv()): Promise<string> {
  if (!/^\d+\.\d+\.\d+$/.test(version)) {
    return Promise.reject(new Error(`KAFKA_VERSION must look like 3.9.2, got "${version}"`));
  }
  let p = pending.get(version);
  if (!p) {
    p = download(version);
    pending.set(version, p);
    // A failed attempt must not poison later calls (e.g. after the network comes back).
    p.catch(() => pending.delete(version));
  }
  return p;
}

async function download(version: string): Promise<string> {
  const cache = kafkaCacheDir(version);
  const libs = path.join(cache, 'libs');
  if (await isReady(libs, version)) return libs;

  // mvn writes into a private directory that is renamed into place once complete, so a
  // concurrent run (another vitest process) or an interrupted one never sees half a dir.
  const partial = path.join(cache, `libs.partial-${process.pid}-${Date.now()}`);
  await mkdir(partial, { recursive: true });
  try {
    await runMaven(version, partial);
    if (!(await isComplete(partial, version))) {
      throw new Error(`mvn finished but did not copy the Kafka ${version} broker or tools jar`);
    }
    await writeFile(path.join(partial, MARKER), `${new Date().toISOString()}\n`);
    if (!(await isReady(libs, version))) {
      if (existsSync(libs) && !(await isReady(libs, version))) {
        // A broken or hand-made dir: move it aside first, so that no process ever sees
        // a `libs` that is half deleted.
        const stale = `${libs}.stale-${process.pid}-${Date.now()}`;
        await rename(libs, stale);
        await rm(stale, { recursive: true, force: true });
      }
      await rename(partial, libs).catch(async (err) => {
        // Another process may have won the race; its copy is as good as ours.
        if (!(await isReady(libs, version))) throw err;
      });
      // Class-data archives (jvm.ts) describe the old jars; the JVM would ignore them
      // forever instead of recording new ones.
      for (const name of await readdir(cache)) {
        if (name.endsWith('.jsa')) await rm(path.join(cache, name), { force: true });
      }
    }
    return libs;
  } finally {
    await rm(partial, { recursive: true, force: true });
    // Leave no empty <version> dir behind after a failed download (e.g. a typo'd version).
    await rmdir(cache).catch(() => undefined);
  }
}

async function runMaven(version: string, outDir: string): Promise<void> {
  const pom = path.join(repoRoot(), 'test', 'harness', 'kafka', 'pom.xml');
  const args = [
    '-q',
    '-B',
    '-Dstyle.color=never',
    '-f',
    pom,
    'dependency:copy-dependencies',
    `-DoutputDirectory=${outDir}`,
    `-Dkafka.version=${version}`,
  ];
  if (kafkaMajor(version) >= 4) args.push('-Dlog4j2');
  try {
    await execFileAsync('mvn', args, { maxBuffer: 16 * 1024 * 1024, timeout: 10 * 60_000 });
  } catch (err) {
    const e = err as { code?: unknown; stdout?: string; stderr?: string; message: string };
    const hint =
      e.code === 'ENOENT'
        ? 'mvn is not on PATH; install Maven and a JDK 17+ to run the integration tests.'
        : `Is Kafka ${version} published on Maven Central, and is Maven Central reachable?`;
    // mvn colours its output even in batch mode; escape codes only garble the error.
    const output = stripVTControlCharacters(`${e.stdout ?? ''}${e.stderr ?? ''}`)
      .trim()
      .split('\n')
      .slice(-30)
      .join('\n');
    // e.message repeats stderr after its first line, the command that failed.
    const command = e.message.split('\n')[0];
    throw new Error(
      `Downloading Kafka ${version} jars with mvn failed. ${hint}\n${command}\n${output}`,
    );
  }
}

async function isReady(libs: string, version: string): Promise<boolean> {
  return existsSync(path.join(libs, MARKER)) && (await isComplete(libs, version));
}

/** Checks for the jars the harness actually launches, not for every transitive one. */
async function isComplete(libs: string, version: string): Promise<boolean> {
  try {
    const names = await readdir(libs);
    const needed = [`kafka_2.13-${version}.jar`, `kafka-tools-${version}.jar`];
    if (kafkaMajor(version) >= 4) {
      // 4.x needs the slf4j binding that pom.xml adds at log4j-core's version.
      const core = names.find((n) => /^log4j-core-[\d.]+\.jar$/.test(n));
      needed.push(core ? core.replace('log4j-core-', 'log4j-slf4j-impl-') : 'log4j-core.jar');
    }
    return needed.every((n) => names.includes(n));
  } catch {
    return false;
  }
}
