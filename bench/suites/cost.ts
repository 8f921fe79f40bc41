import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { KinesisStreamEvent } from 'aws-lambda';
import type { Compression } from '../../lambda/config.js';
import { lambdaContext } from '../../local/esm/invoke.js';
import { repoRoot } from '../../test/harness/paths.js';
import { bundleEnv, runJsonChild } from '../lib/child.js';
import { benchCollector } from '../lib/collector.js';
import { benchTopic } from '../lib/kafka.js';
import type { Prices } from '../lib/prices.js';
import { type Row, runtimeName } from '../lib/report.js';
import { benchSpans, copyEvent, kplEvent, plainEvent } from '../lib/spans.js';
import { median } from '../lib/stats.js';
import { WireMeter } from '../lib/wire.js';

/** What the cost suite needs besides the broker. */
export interface CostOptions {
  readonly rounds: number;
  readonly compressions: readonly Compression[];
  /** The function's memory (the stack's default, cdk/defaults.ts). */
  readonly memoryMb: number;
  readonly prices: Prices;
  /**
   * Invocations an execution environment serves before Lambda replaces it (AWS publishes no
   * lifetime): each replacement pays INIT and the first connection again.
   */
  readonly invocationsPerColdStart: number;
  /** Where the cold-start child's event file goes. */
  readonly workDir: string;
}

/** Two shapes of traffic: the stack's batch of plain records, and a KPL shard at its write limit. */
const SCENARIOS = [
  { name: '500 records of one span (the stack’s batch size)', spans: 500, invocations: 20, kpl: 0 },
  {
    name: 'KPL shard at its write limit, 1 s window: 2,900 spans in 29 aggregates',
    spans: 2_900,
    invocations: 4,
    kpl: 100,
  },
] as const;

/** One codec in one scenario: what was measured and what it costs. */
interface Measured {
  scenario: (typeof SCENARIOS)[number];
  codec: Compression;
  bytesPerSpan: number;
  msPerInvocation: number;
}

/**
 * Cost per span, measured: for each codec, the generator's traffic through the real handler
 * (bundled), the bytes it writes to the broker per span (TCP payload, counted on the sockets,
 * see lib/wire.ts) and its time per invocation; then, at the stack's memory size, dollars per
 * million spans for Lambda compute, INIT and requests and for MSK's per-byte charges. Codecs
 * are interleaved round by round, so the machine's noise falls on all alike.
 */
export async function costSuite(
  brokers: string[],
  options: CostOptions,
): Promise<{ rows: Row[]; table: string; measured: Measured[] }> {
  const spans = benchSpans(11_600, 7);
  const events = (scenario: (typeof SCENARIOS)[number]): KinesisStreamEvent[] =>
    Array.from({ length: scenario.invocations }, (_, i) => {
      const slice = spans.slice(i * scenario.spans, (i + 1) * scenario.spans);
      return scenario.kpl ? kplEvent(slice, scenario.kpl) : plainEvent(slice);
    });
  const inputs = SCENARIOS.map((s) => ({ scenario: s, events: events(s) }));
  const meter = new WireMeter(brokers);
  const collectors: {
    codec: Compression;
    collector: Awaited<ReturnType<typeof benchCollector>>;
  }[] = [];
  for (const codec of options.compressions) {
    const topic = await benchTopic(brokers, `bench-cost-${codec}`);
    collectors.push({ codec, collector: await benchCollector(brokers, topic, codec) });
  }
  const samples = new Map<string, { ms: number[]; bytes: number; spans: number }>();
  try {
    // Connect every producer first: a cold connection is INIT's business, measured below.
    for (const { collector } of collectors) {
      await collector.handler(
        copyEvent(inputs[0]?.events[0] as KinesisStreamEvent),
        lambdaContext(60_000),
      );
    }
    for (let round = 0; round < options.rounds; round++) {
      for (const { codec, collector } of collectors) {
        for (const { scenario, events: list } of inputs) {
          const key = `${scenario.spans}/${codec}`;
          const sample = samples.get(key) ?? { ms: [], bytes: 0, spans: 0 };
          for (const event of list) {
            const copy = copyEvent(event);
            const started = performance.now();
            const bytes = await meter.during(async () => {
              const { batchItemFailures } = await collector.handler(copy, lambdaContext(60_000));
              if (batchItemFailures.length > 0)
                throw new Error('A cost invocation reported failures');
            });
            sample.ms.push(performance.now() - started);
            sample.bytes += bytes;
            sample.spans += scenario.spans;
          }
          samples.set(key, sample);
        }
      }
    }
  } finally {
    meter.stop();
    await Promise.all(collectors.map(({ collector }) => collector.close()));
  }
  const init = await initCost(brokers, options.workDir);
  const measured: Measured[] = [];
  for (const { scenario } of inputs) {
    for (const codec of options.compressions) {
      const sample = samples.get(`${scenario.spans}/${codec}`);
      if (!sample) continue;
      measured.push({
        scenario,
        codec,
        bytesPerSpan: sample.bytes / sample.spans,
        msPerInvocation: median(sample.ms),
      });
    }
  }
  return { ...report(measured, init, options), measured };
}

/**
 * INIT and the first connection, in fresh processes running dist/handler.js (median of 3): the
 * module load is the INIT phase's own work, the first invocation's extra time over the second
 * is the connection to the brokers. Both are billed once per execution environment.
 */
async function initCost(
  brokers: string[],
  workDir: string,
): Promise<{ initMs: number; connectMs: number }> {
  const eventFile = path.join(workDir, 'cost-cold-start-event.json');
  await writeFile(eventFile, JSON.stringify(plainEvent(benchSpans(500, 7))));
  const topic = await benchTopic(brokers, 'bench-cost-cold');
  const child = path.join(repoRoot(), 'bench', 'child', 'invoke.cjs');
  const bundle = path.join(repoRoot(), 'dist', 'handler.js');
  const runs: { loadMs: number; firstMs: number; secondMs: number }[] = [];
  for (let i = 0; i < 3; i++) {
    runs.push(
      await runJsonChild(process.execPath, [child, bundle, eventFile], bundleEnv(brokers, topic)),
    );
  }
  return {
    initMs: median(runs.map((r) => r.loadMs)),
    connectMs: Math.max(0, median(runs.map((r) => r.firstMs - r.secondMs))),
  };
}

/** Dollars per million spans for each measured codec, and the table of BENCHMARKS.md. */
function report(
  measured: readonly Measured[],
  init: { initMs: number; connectMs: number },
  options: CostOptions,
): { rows: Row[]; table: string } {
  const { prices, memoryMb, invocationsPerColdStart } = options;
  const gb = memoryMb / 1024;
  const perMillion = (m: Measured) => {
    const invocations = 1e6 / m.scenario.spans;
    // Lambda bills duration rounded up to the millisecond.
    const compute =
      invocations * gb * (Math.ceil(m.msPerInvocation) / 1000) * prices.lambdaArmGbSecond;
    const initCost =
      (invocations / invocationsPerColdStart) *
      gb *
      ((init.initMs + init.connectMs) / 1000) *
      prices.lambdaArmGbSecond;
    const requests = (invocations * prices.lambdaRequestsPerMillion) / 1e6;
    const bytes = m.bytesPerSpan * 1e6;
    // With brokers in 3 AZs, 2 of 3 partition leaders are in another AZ than the function.
    const crossAz = (bytes / 1e9) * (2 / 3) * 2 * prices.crossAzPerGbEachWay;
    const express = (bytes / 1e9) * prices.mskExpressWrittenPerGb;
    const serverless = (bytes / 2 ** 30) * prices.mskServerlessInPerGib;
    const lambda = compute + initCost + requests;
    return { compute, initCost, requests, lambda, crossAz, express, serverless };
  };
  const usd = (n: number) => `$${n < 0.01 ? n.toFixed(5) : n.toFixed(4)}`;
  const rows: Row[] = [];
  const lines = [
    `| spans per invocation | codec | bytes per span on the wire | × none | ms per invocation | Lambda: compute + INIT + requests | MSK Standard: cross-AZ transfer | MSK Express: written | MSK Serverless: in | total, Standard | total, Express | total, Serverless |`,
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const m of measured) {
    const none = measured.find((n) => n.codec === 'none' && n.scenario === m.scenario);
    const c = perMillion(m);
    const ratio = none ? m.bytesPerSpan / none.bytesPerSpan : Number.NaN;
    lines.push(
      `| ${m.scenario.spans.toLocaleString('en-US')} | ${m.codec} | ${m.bytesPerSpan.toFixed(1)} | ${ratio.toFixed(2)} | ${m.msPerInvocation.toFixed(1)} | ${usd(c.lambda)} (${usd(c.compute)} + ${usd(c.initCost)} + ${usd(c.requests)}) | ${usd(c.crossAz)} | ${usd(c.express)} | ${usd(c.serverless)} | ${usd(c.lambda + c.crossAz)} | ${usd(c.lambda + c.crossAz + c.express)} | ${usd(c.lambda + c.serverless)} |`,
    );
    rows.push({
      suite: `cost per span: ${m.scenario.name}`,
      name: m.codec,
      medianMs: m.msPerInvocation,
      perSecond: (m.scenario.spans / m.msPerInvocation) * 1000,
      ratio,
      runtime: runtimeName(),
      note: `${m.bytesPerSpan.toFixed(1)} B/span on the wire; $/M spans: Lambda ${usd(c.lambda)}, cross-AZ ${usd(c.crossAz)}, Express ${usd(c.express)}, Serverless ${usd(c.serverless)}`,
    });
  }
  const cheapest = (total: (c: ReturnType<typeof perMillion>) => number) =>
    SCENARIOS.map((s) => {
      const ranked = measured
        .filter((m) => m.scenario === s)
        .map((m) => ({ codec: m.codec, total: total(perMillion(m)) }))
        .sort((a, b) => a.total - b.total);
      return `${s.spans.toLocaleString('en-US')} spans: ${ranked.map((r) => `${r.codec} ${usd(r.total)}`).join(' < ')}`;
    }).join('; ');
  const table = [
    `Cost per million spans at ${memoryMb} MB (arm64), INIT ${init.initMs.toFixed(0)} ms + first connection ${init.connectMs.toFixed(0)} ms once per ${invocationsPerColdStart.toLocaleString('en-US')} invocations, ${runtimeName()}:`,
    '',
    ...lines,
    '',
    `Cheapest, MSK Standard: ${cheapest((c) => c.lambda + c.crossAz)}`,
    `Cheapest, MSK Serverless: ${cheapest((c) => c.lambda + c.serverless)}`,
  ].join('\n');
  return { rows, table };
}
