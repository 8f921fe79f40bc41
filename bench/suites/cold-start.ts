import { execFile } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { repoRoot } from '../../test/harness/paths.js';
import { bundleEnv, runJsonChild } from '../lib/child.js';
import type { Row } from '../lib/report.js';
import { benchSpans, plainEvent } from '../lib/spans.js';
import { median } from '../lib/stats.js';

const execFileAsync = promisify(execFile);
const BUNDLE_TARGET_KB = 400;

/** Builds dist/handler.js with `npm run build`'s script and reports its size. */
export async function bundleRows(): Promise<Row[]> {
  await execFileAsync(process.execPath, ['scripts/build.mjs'], { cwd: repoRoot() });
  const file = path.join(repoRoot(), 'dist', 'handler.js');
  const bytes = (await stat(file)).size;
  const gzipped = gzipSync(await readFile(file)).length;
  const kb = bytes / 1024;
  return [
    {
      suite: 'cold start',
      name: 'bundle dist/handler.js',
      runtime: '-',
      note: `${kb.toFixed(0)} KiB (${(gzipped / 1024).toFixed(0)} KiB gzipped); target ≤ ${BUNDLE_TARGET_KB} KB: ${bytes <= BUNDLE_TARGET_KB * 1000 ? 'met' : 'not met'}`,
    },
  ];
}

/**
 * Cold start in fresh processes running the deployable bundle: time to `require` it (the init
 * phase's own work), and the first invocation of 100 spans including the connection to Kafka,
 * then the second (warm) one. Medians of `runs` processes.
 */
export async function coldStartRows(
  node: string,
  brokers: string[],
  topic: string,
  runs: number,
  workDir: string,
): Promise<Row[]> {
  const eventFile = path.join(workDir, 'cold-start-event.json');
  await writeFile(eventFile, JSON.stringify(plainEvent(benchSpans(100))));
  const bundle = path.join(repoRoot(), 'dist', 'handler.js');
  const child = path.join(repoRoot(), 'bench', 'child', 'invoke.cjs');
  const env = bundleEnv(brokers, topic);
  const results: { loadMs: number; firstMs: number; secondMs: number; failures: number }[] = [];
  for (let i = 0; i < runs; i++)
    results.push(await runJsonChild(node, [child, bundle, eventFile], env));
  if (results.some((r) => r.failures > 0))
    throw new Error('A cold-start invocation reported failures');
  const version = (await execFileAsync(node, ['--version'])).stdout.trim().replace(/^v/, '');
  const runtime = `node ${version}`;
  const m = (pick: (r: (typeof results)[number]) => number) => median(results.map(pick));
  return [
    {
      suite: 'cold start',
      name: 'require dist/handler.js (module load)',
      medianMs: m((r) => r.loadMs),
      runtime,
    },
    {
      suite: 'cold start',
      name: 'first invocation, 100 spans, connect included',
      medianMs: m((r) => r.firstMs),
      runtime,
    },
    {
      suite: 'cold start',
      name: 'second invocation, 100 spans (warm)',
      medianMs: m((r) => r.secondMs),
      runtime,
    },
  ];
}
