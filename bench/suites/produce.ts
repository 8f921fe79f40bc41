import type { Compression } from '../../lambda/config.js';
import { lambdaContext } from '../../local/esm/invoke.js';
import type { Lambda } from '../lib/bundle.js';
import { benchCollector } from '../lib/collector.js';
import { conventionalHandler } from '../lib/conventional.js';
import { benchTopic, floorProducer, PUBLISHED_KAFKAJS } from '../lib/kafka.js';
import { type Row, runtimeName } from '../lib/report.js';
import { benchSpans, eventBytes, kplEvent, plainEvent } from '../lib/spans.js';
import { interleaved, median } from '../lib/stats.js';

/** The floor again with kafkajs as published on npm, without the bundle's patches. */
const PUBLISHED_FLOOR = 'floor, kafkajs 2.2.4 unpatched';

/** Lambda's largest batch. */
const SPANS = 10_000;

/** Options of {@link produceSuite}. */
export interface ProduceOptions {
  rounds: number;
  compressions: readonly Compression[];
  /** Also time the Powertools BatchProcessor pattern (slow: one request per record). */
  conventional: boolean;
  /** Replication factor of the benchmark topics (3 on the cluster); default 1. */
  replicationFactor?: number;
  /** Said after the suite's name, e.g. where the brokers are. */
  where?: string;
}

/**
 * Handler vs floor: the same 10,000 spans through the real handler (base64, validation,
 * keying, produce, acknowledgements) and as pre-built messages through one warm kafkajs
 * producer with the same acks and compression, interleaved on the same broker, medians and
 * ratios. For `none` also the KPL-aggregated event and the conventional pattern.
 */
export async function produceSuite(
  lambda: Lambda,
  brokers: string[],
  options: ProduceOptions,
): Promise<Row[]> {
  const spans = benchSpans(SPANS);
  const event = plainEvent(spans);
  const messages = spans.map((s) => ({ key: Buffer.from(s.traceId), value: s.bytes }));
  const rows: Row[] = [];
  const runtime = runtimeName();
  const eventMb = (eventBytes(event) / 1024 / 1024).toFixed(1);

  for (const compression of options.compressions) {
    const topic = await benchTopic(brokers, `bench-${compression}`, options.replicationFactor);
    const floor = await floorProducer(brokers, compression, lambda.javaPartition, lambda);
    const published = await floorProducer(
      brokers,
      compression,
      lambda.javaPartition,
      PUBLISHED_KAFKAJS,
    );
    const collector = await benchCollector(brokers, topic, compression);
    const chunks = planned(messages, topic, lambda);
    const contenders: Record<string, () => Promise<unknown>> = {
      floor: () => floor.send(topic, messages),
      "floor, the handler's request plan": () =>
        inFlight(chunks, 5, (chunk) => floor.send(topic, chunk)),
      handler: () => expectSuccess(collector.handler(event, lambdaContext(60_000))),
      [PUBLISHED_FLOOR]: () => published.send(topic, messages),
    };
    if (compression === 'none') {
      const kpl = kplEvent(spans, 100);
      contenders['handler, KPL event (100 spans per record)'] = () =>
        expectSuccess(collector.handler(kpl, lambdaContext(60_000)));
    }
    const suite = `produce 10,000 spans, compression ${compression}${options.where ? `, ${options.where}` : ''}`;
    try {
      const times = await interleaved(contenders, options.rounds);
      const floorMs = median(times.floor ?? []);
      for (const [name, ms] of Object.entries(times)) {
        const m = median(ms);
        rows.push({
          suite,
          name,
          medianMs: m,
          perSecond: (SPANS / m) * 1000,
          ratio: m / floorMs,
          runtime,
          note:
            name === 'floor'
              ? "one warm kafkajs producer (the bundle's, patched), pre-built messages, one sendBatch"
              : name === PUBLISHED_FLOOR
                ? "kafkajs 2.2.4 as published: what the bundle's encoding patches save"
                : name === 'handler'
                  ? `pairwise median ${pairwise(ms, times.floor ?? []).toFixed(2)}×; ${(m / median(times["floor, the handler's request plan"] ?? [])).toFixed(2)}× the same-plan floor; event ${eventMb} MB JSON (Lambda caps at 6 MB)`
                  : name.startsWith('floor,')
                    ? 'same messages cut into ≤ 1 MB requests, 5 in flight, as the handler does'
                    : '',
        });
      }
      if (compression === 'none' && options.conventional) {
        rows.push(
          ...(await conventionalRows(brokers, topic, event, floor, messages, options, suite)),
        );
      }
    } finally {
      await Promise.all([floor.close(), published.close(), collector.close()]);
    }
  }
  return rows;
}

async function expectSuccess(response: Promise<{ batchItemFailures: unknown[] }>): Promise<void> {
  const { batchItemFailures } = await response;
  if (batchItemFailures.length > 0) throw new Error('The benchmark invocation reported failures');
}

/** Median of the per-round ratios: less sensitive to a slow stretch of the machine. */
function pairwise(a: readonly number[], b: readonly number[]): number {
  return median(a.map((x, i) => x / (b[i] ?? Number.NaN)));
}

/**
 * The conventional pattern is slow (a produce request per record), so it gets fewer rounds,
 * interleaved with the floor again so its ratio is to a floor measured beside it.
 */
async function conventionalRows(
  brokers: string[],
  topic: string,
  event: ReturnType<typeof plainEvent>,
  floor: Awaited<ReturnType<typeof floorProducer>>,
  messages: { key: Buffer; value: Buffer }[],
  options: ProduceOptions,
  suite: string,
): Promise<Row[]> {
  const conventional = await conventionalHandler(brokers, topic);
  try {
    const times = await interleaved(
      {
        floor: () => floor.send(topic, messages),
        conventional: () => expectSuccess(conventional.handler(event, lambdaContext(600_000))),
      },
      Math.min(options.rounds, 5),
      1,
    );
    const m = median(times.conventional ?? []);
    return [
      {
        suite,
        name: 'conventional: Powertools BatchProcessor, one producer.send per record',
        medianMs: m,
        perSecond: (SPANS / m) * 1000,
        ratio: m / median(times.floor ?? []),
        runtime: runtimeName(),
        note: `ratio to a floor re-measured beside it (${Math.min(options.rounds, 5)} rounds)`,
      },
    ];
  } finally {
    await conventional.close();
  }
}

/** The messages cut into produce requests exactly as the handler's producer cuts them. */
function planned(
  messages: { key: Buffer; value: Buffer }[],
  topic: string,
  lambda: Lambda,
): { key: Buffer; value: Buffer }[][] {
  // Only size and topic decide the plan; the cast spares the fields nothing here reads.
  const outgoing = messages.map((m, recordIndex) => ({
    ...m,
    recordIndex,
    topic,
  })) as unknown as Parameters<Lambda['planRequests']>[0];
  return lambda.planRequests(outgoing, 1_000_000).map(([start, end]) => messages.slice(start, end));
}

/** Runs `send` over every chunk with at most `limit` at once. */
async function inFlight<T>(
  chunks: T[],
  limit: number,
  send: (chunk: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < chunks.length) await send(chunks[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, chunks.length) }, worker));
}
