import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { javaPartition } from '../../lambda/kafka/partitioner.js';
import { Traffic } from '../../local/generator/traffic.js';
import { type ISpan, Span, Tag } from '../../proto/haystack.generated.js';
import { otlp } from '../../proto/otlp-trace.generated.js';
import { sharedKafka } from '../harness/context.js';
import { type OtelCollector, startOtelcol } from '../harness/otelcol/collector.js';
import { createTopic, randomTopic, readAll } from '../harness/topics.js';
import { collector } from '../helpers/collector.js';
import { kinesisEvent, kplAggregate, lambdaContext } from '../helpers/factories.js';
import { expectedOtlpSpan, type NormalSpan, normalSpans } from '../helpers/otlp-expectation.js';

/**
 * The real consumer: the OpenTelemetry Collector's own `kafkareceiver` (contrib v0.165.1,
 * built with ocb by test/harness/otelcol/) reads what the handler's OTLP routes wrote, one
 * receiver per encoding, and its file exporter writes what it understood. Every span the
 * handler was given must come out of the Collector exactly as docs/haystack-to-otlp.md says
 * (test/helpers/otlp-expectation.ts, written independently of lambda/outputs/), once, in the
 * trace the Collector groups it in; and the Kafka messages are keyed by the trace id's hex on
 * Java's murmur2 partition.
 */

const kafka = sharedKafka();
const PARTITIONS = 6;
const topics = {
  spans: randomTopic('spans'),
  proto: randomTopic('otlp-proto'),
  json: randomTopic('otlp-json'),
};
let otelcol: OtelCollector;

/** Generator traffic (UUID ids, every tag type, logs) and spans of every other id shape. */
function inputSpans(): ISpan[] {
  const traffic = new Traffic({ seed: 12, invalidShare: 0, kpl: 'none', nowMs: 1_764_000_000_000 });
  const spans = Array.from({ length: 1500 }, () => Span.decode(traffic.next().data));
  const base = {
    serviceName: 'legacy-billing',
    operationName: 'charge',
    startTime: 1_764_000_000_000_000,
    duration: 1500,
  };
  const shapes: Array<[string, string, string]> = [
    ['5B8EFFF798038103D269B633813FC60C', 'EEE19B7EC3C1B174', ''],
    ['eee19b7ec3c1b174', '00000000000000a1', '0000000000000000'],
    ['order-42', 'step-1', ''],
    ['order-42', 'step-2', 'step-1'],
    ['00000000-0000-0000-0000-000000000000', 'zero', ''],
  ];
  for (const [traceId, spanId, parentSpanId] of shapes) {
    spans.push(
      Span.decode(
        Span.encode({
          ...base,
          traceId,
          spanId,
          parentSpanId,
          tags: [
            { key: 'span.kind', vStr: 'producer' },
            { key: 'error', vStr: 'true' },
            { key: 'otel.status_description', vStr: 'card declined' },
            { key: 'otel.scope.name', vStr: 'billing-lib' },
            { key: 'amount', type: Tag.TagType.DOUBLE, vDouble: 12.5 },
            { key: 'amount', type: Tag.TagType.LONG, vLong: 1250 },
            { key: 'receipt', type: Tag.TagType.BINARY, vBytes: Buffer.from('r\u0000\u00ff') },
          ],
          logs: [
            {
              timestamp: base.startTime + 10,
              fields: [
                { key: 'event', vStr: 'retry' },
                { key: 'attempt', type: Tag.TagType.LONG, vLong: 2 },
              ],
            },
          ],
        }).finish(),
      ),
    );
  }
  return spans;
}

const spans = inputSpans();
/** The spans go in two invocations (below); a trace is one message per invocation it is in. */
const half = spans.length >> 1;
const key = (s: NormalSpan) => `${s.traceId}/${s.spanId}`;

beforeAll(async () => {
  for (const topic of Object.values(topics)) await createTopic(kafka.brokers, topic, PARTITIONS);
  const receiver = (topic: string, encoding: string) => ({
    brokers: kafka.brokers,
    client_id: 'otelcol-test',
    group_id: randomTopic('otelcol'),
    initial_offset: 'earliest',
    traces: { topics: [topic], encoding },
  });
  otelcol = await startOtelcol({
    receivers: {
      'kafka/proto': receiver(topics.proto, 'otlp_proto'),
      'kafka/json': receiver(topics.json, 'otlp_json'),
    },
    exporters: {
      'file/proto': { path: '{dir}/proto.jsonl', format: 'json' },
      'file/json': { path: '{dir}/json.jsonl', format: 'json' },
    },
    service: {
      pipelines: {
        'traces/proto': { receivers: ['kafka/proto'], exporters: ['file/proto'] },
        'traces/json': { receivers: ['kafka/json'], exporters: ['file/json'] },
      },
    },
  });

  const c = await collector(kafka.brokers, {
    KAFKA_TOPIC: topics.spans,
    ROUTES: JSON.stringify([
      { name: 'otel-proto', topic: topics.proto, tags: {}, output: 'otlp-proto' },
      { name: 'otel-json', topic: topics.json, tags: {}, output: 'otlp-json' },
    ]),
  });
  try {
    // Half the spans one per record, half in KPL aggregates of 25, in two invocations.
    const bytes = spans.map((s) => Buffer.from(Span.encode(s).finish()));
    const aggregates = [];
    for (let i = half; i < bytes.length; i += 25)
      aggregates.push(kplAggregate(bytes.slice(i, i + 25)));
    for (const records of [bytes.slice(0, half), aggregates]) {
      const response = await c.handler(kinesisEvent(records), lambdaContext());
      expect(response.batchItemFailures).toEqual([]);
    }
  } finally {
    await c.close();
  }
}, 300_000);

afterAll(async () => {
  await otelcol?.stop();
});

/** Waits until the file exporter has written `count` spans, then returns them all. */
async function exported(file: string, count: number): Promise<NormalSpan[]> {
  const full = path.join(otelcol.dir, file);
  for (;;) {
    if (existsSync(full)) {
      const text = readFileSync(full, 'utf8');
      const lines = text.split('\n').filter((line) => line.trim() !== '');
      // A line is whole once its newline is written; the last may still be in progress.
      const whole = text.endsWith('\n') ? lines : lines.slice(0, -1);
      const got = whole.flatMap((line) => normalSpans(JSON.parse(line)));
      if (got.length >= count) return got;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe.each([
  ['otlp-proto', 'proto.jsonl'],
  ['otlp-json', 'json.jsonl'],
])('the Collector’s kafkareceiver reading %s', (_, file) => {
  it('gets every span the handler was given, exactly as the mapping says, once', async () => {
    const wanted = spans
      .map((s) => expectedOtlpSpan(s))
      .sort((a, b) => key(a).localeCompare(key(b)));

    const got = (await exported(file, wanted.length)).sort((a, b) => key(a).localeCompare(key(b)));

    expect(got).toHaveLength(wanted.length);
    for (let i = 0; i < wanted.length; i++) expect(got[i]).toEqual(wanted[i]);
  });
});

it('keys every OTLP message by its trace id’s hex, on Java’s murmur2 partition, one trace per message', async () => {
  const tracesOf = (list: ISpan[]) => new Set(list.map((s) => expectedOtlpSpan(s).traceId)).size;
  const count = tracesOf(spans.slice(0, half)) + tracesOf(spans.slice(half));

  const messages = await readAll(kafka.brokers, topics.proto, count);

  expect(messages).toHaveLength(count);
  for (const m of messages) {
    const request = otlp.ExportTraceServiceRequest.decode(m.value as Buffer);
    const ids = new Set(
      (request.resourceSpans ?? []).flatMap((r) =>
        (r.scopeSpans ?? []).flatMap((ss) =>
          (ss.spans ?? []).map((s) => Buffer.from(s.traceId ?? []).toString('hex')),
        ),
      ),
    );
    expect([...ids]).toEqual([m.key?.toString()]);
    expect(m.partition).toBe(javaPartition(m.key as Buffer, PARTITIONS));
  }
});
