import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../paths.js';

const execFileAsync = promisify(execFile);

/** The Collector Builder's release; the core modules of manifest.yaml are at the same one. */
export const BUILDER_VERSION = 'v0.165.0';

/**
 * The path of the OpenTelemetry Collector binary the tests run, built on first use.
 *
 * It is built with the Collector Builder (`go.opentelemetry.io/collector/cmd/builder`) from the
 * Go module proxy and kept outside the clone, in
 * `~/.cache/haystack-kinesis-collector/otelcol-<builder version>-<manifest hash>/otelcol`
 * (`$XDG_CACHE_HOME` honoured), so CI runs on the same machine reuse it; Go's module and build
 * caches (~/go, ~/.cache/go-build) survive too. It is written atomically: built in a temp dir
 * beside it and renamed into place, so two runs building at once both end with a whole binary.
 *
 * ocb generates the sources; the modules are then fetched with `go get` and the binary
 * compiled by ocb with `-mod=mod`, instead of letting ocb run `go mod tidy`: tidy also wants
 * the test-only dependencies of the file exporter (`otlpencodingextension`), which the proxy
 * does not serve at v0.165.1, although nothing in the binary uses them.
 */
export async function otelcolBinary(log: (line: string) => void = () => {}): Promise<string> {
  const manifest = await readFile(
    path.join(repoRoot(), 'test/harness/otelcol/manifest.yaml'),
    'utf8',
  );
  const hash = createHash('sha256').update(manifest).digest('hex').slice(0, 12);
  const root = path.join(
    process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'),
    'haystack-kinesis-collector',
  );
  const dir = path.join(root, `otelcol-${BUILDER_VERSION}-${hash}`);
  const binary = path.join(dir, 'otelcol');
  if (existsSync(binary)) return binary;

  await mkdir(root, { recursive: true });
  const work = await mkdtemp(path.join(root, '.build-'));
  try {
    const started = Date.now();
    log(`building the OpenTelemetry Collector (ocb ${BUILDER_VERSION}) into ${dir}`);
    await build(work, manifest, log);
    const out = path.join(work, 'out');
    await mkdir(out);
    await rename(path.join(work, 'dist', 'otelcol-haystack-test'), path.join(out, 'otelcol'));
    try {
      await rename(out, dir);
    } catch (error) {
      // Another run finished first: its binary is as good as ours.
      if (!existsSync(binary)) throw error;
    }
    log(`built in ${Math.round((Date.now() - started) / 1000)} s`);
    return binary;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function build(work: string, manifest: string, log: (line: string) => void): Promise<void> {
  const env = {
    ...process.env,
    GOBIN: path.join(work, 'bin'),
    GOFLAGS: '-buildvcs=false',
    GOTOOLCHAIN: 'local',
    CGO_ENABLED: '0',
  };
  const run = async (command: string, args: string[], cwd: string, extra: object = {}) => {
    try {
      await execFileAsync(command, args, {
        cwd,
        env: { ...env, ...extra },
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      throw new Error(
        `${command} ${args.join(' ')} failed:\n${(e.stderr ?? e.message).slice(-4000)}`,
      );
    }
  };
  const config = path.join(work, 'manifest.yaml');
  await writeFile(config, manifest);
  log('  go install the Collector Builder');
  await run(
    'go',
    ['install', `go.opentelemetry.io/collector/cmd/builder@${BUILDER_VERSION}`],
    work,
  );
  const builder = path.join(work, 'bin', 'builder');
  log('  generate the sources');
  await run(builder, ['--config', config, '--skip-compilation', '--skip-get-modules'], work);
  const dist = path.join(work, 'dist');
  await run('go', ['mod', 'init', 'otelcol-haystack-test'], dist);
  const modules = [...manifest.matchAll(/gomod:\s*(\S+)\s+(v\S+)/g)].map(([, m, v]) => `${m}@${v}`);
  log(`  go get ${modules.length} components`);
  await run(
    'go',
    ['get', `go.opentelemetry.io/collector/otelcol@${BUILDER_VERSION}`, ...modules],
    dist,
  );
  log('  compile (a few minutes on a cold Go build cache)');
  await run(builder, ['--config', config, '--skip-generate', '--skip-get-modules'], work, {
    GOFLAGS: '-buildvcs=false -mod=mod',
  });
}
