import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { KinesisStreamEvent } from 'aws-lambda';
import { repoRoot } from '../../test/harness/paths.js';
import { bundleEnv, runJsonChild } from '../lib/child.js';
import type { Row } from '../lib/report.js';
import { benchSpans, eventBytes, kplEvent, plainEvent } from '../lib/spans.js';
import { median } from '../lib/stats.js';

const execFileAsync = promisify(execFile);
const LIMIT = 6 * 1024 * 1024;
const MB = 1024 * 1024;
const FUNCTION_MB = 256;

/**
 * The V8 flags Lambda's Node.js bootstrap passes for a function of `memoryMb` (as published
 * copies of /var/runtime/bootstrap show): a tenth of the memory for the young generation, the
 * rest for the old one. Without them V8 sizes its heap for this 24 GB machine and collects far
 * later than it would in a 256 MB function.
 */
function lambdaHeapFlags(memoryMb: number): string[] {
  const newSpace = Math.floor(memoryMb / 10);
  return [
    `--max-semi-space-size=${Math.floor(newSpace / 2)}`,
    `--max-old-space-size=${memoryMb - newSpace}`,
  ];
}

/** The largest plain event of 350-byte spans Lambda would send: as many records as fit in 6 MB. */
function sixMegabytePlain(): KinesisStreamEvent {
  const spans = benchSpans(10_000);
  let n = spans.length;
  let event = plainEvent(spans);
  while (eventBytes(event) > LIMIT) {
    n = Math.floor((n * LIMIT) / eventBytes(event)) - 1;
    event = plainEvent(spans.slice(0, n));
  }
  return event;
}

/** 6 MB of KPL aggregates (100 spans each): the most spans one invocation can carry. */
function sixMegabyteKpl(): KinesisStreamEvent {
  const spans = benchSpans(20_000, 7);
  let n = spans.length;
  let event = kplEvent(spans, 100);
  while (eventBytes(event) > LIMIT) {
    n -= 100 * Math.ceil((eventBytes(event) - LIMIT) / (eventBytes(event) / (n / 100)));
    event = kplEvent(spans.slice(0, n), 100);
  }
  return event;
}

/**
 * Peak RSS of a fresh process running the bundle with a 256 MB function's heap flags: load,
 * then two invocations of the largest events (parsed from text as the runtime does), against
 * the real broker. Lambda counts the whole process's memory against the function's size, so
 * RSS is the figure to compare.
 */
export async function memoryRows(
  node: string,
  brokers: string[],
  topic: string,
  runs: number,
  workDir: string,
): Promise<Row[]> {
  const events: [string, KinesisStreamEvent][] = [
    ['10,000 records of ~350-byte spans (over the 6 MB cap)', plainEvent(benchSpans(10_000))],
    ['6 MB of plain records', sixMegabytePlain()],
    ['6 MB of KPL aggregates', sixMegabyteKpl()],
  ];
  const bundle = path.join(repoRoot(), 'dist', 'handler.js');
  const child = path.join(repoRoot(), 'bench', 'child', 'invoke.cjs');
  const env = bundleEnv(brokers, topic);
  const version = (await execFileAsync(node, ['--version'])).stdout.trim().replace(/^v/, '');
  const rows: Row[] = [];
  for (const [i, [name, event]] of events.entries()) {
    const file = path.join(workDir, `memory-${i}.json`);
    await writeFile(file, JSON.stringify(event));
    const spans = countSpans(event);
    const results: { maxRssBytes: number; rssAfterLoad: number; failures: number }[] = [];
    for (let r = 0; r < runs; r++) {
      const args = ['--no-warnings', ...lambdaHeapFlags(FUNCTION_MB), child, bundle, file];
      results.push(await runJsonChild(node, args, env));
    }
    if (results.some((r) => r.failures > 0))
      throw new Error('A memory invocation reported failures');
    const peak = median(results.map((r) => r.maxRssBytes)) / MB;
    const base = median(results.map((r) => r.rssAfterLoad)) / MB;
    rows.push({
      suite: 'memory, peak RSS',
      name: `${name}: ${event.Records.length.toLocaleString('en-US')} records, ${spans.toLocaleString('en-US')} spans, ${(eventBytes(event) / MB).toFixed(1)} MB`,
      runtime: `node ${version}`,
      note: `peak ${peak.toFixed(0)} MB (after load ${base.toFixed(0)} MB) with a ${FUNCTION_MB} MB function's heap flags: ${peak < FUNCTION_MB * 0.8 ? 'fits with room' : peak < FUNCTION_MB ? 'tight' : 'does NOT fit'}`,
    });
  }
  return rows;
}

function countSpans(event: KinesisStreamEvent): number {
  // 100 spans per aggregate in the KPL fixture, one per plain record.
  return event.Records.reduce((n, r) => {
    const head = Buffer.from(r.kinesis.data.slice(0, 8), 'base64');
    return n + (head[0] === 0xf3 && head[1] === 0x89 ? 100 : 1);
  }, 0);
}
