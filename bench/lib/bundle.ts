import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { kafkajsPatches } from '../../scripts/build/kafkajs-patches.mjs';
import { repoRoot } from '../../test/harness/paths.js';

/** The collector's modules as bundled code (see lambda-entry.ts). */
export type Lambda = typeof import('./lambda-entry.js');

let loading: Promise<Lambda> | undefined;

/**
 * Bundles lambda-entry.ts with the options of scripts/build.mjs (CommonJS, node20, minified)
 * into a temp dir, loads it and removes the dir, once per process. The environment must be valid first:
 * lambda/handler.ts reads it when loaded.
 */
export function loadBundledLambda(): Promise<Lambda> {
  loading ??= (async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-bundle-'));
    const outfile = path.join(dir, 'lambda.cjs');
    await build({
      entryPoints: [path.join(repoRoot(), 'bench', 'lib', 'lambda-entry.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      // BENCH_MINIFY=false keeps names readable in a CPU profile.
      minify: process.env.BENCH_MINIFY !== 'false',
      logLevel: 'warning',
      plugins: kafkajsPatches(),
    });
    try {
      return createRequire(__filename)(outfile) as Lambda;
    } finally {
      await rm(dir, { recursive: true, force: true }); // loaded: the file is no longer needed
    }
  })();
  return loading;
}
