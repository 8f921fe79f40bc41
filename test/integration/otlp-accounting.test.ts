import type { KinesisStreamEvent } from 'aws-lambda';
import { Kafka, logLevel } from 'kafkajs';
import { expect, it } from 'vitest';
import { otlp } from '../../proto/otlp-trace.generated.js';
import { useOwnBroker } from '../harness/own-broker.js';
import { randomTopic, readAll } from '../harness/topics.js';
import { collector } from '../helpers/collector.js';
import { encodeSpan, kinesisEvent, lambdaContext } from '../helpers/factories.js';

/**
 * The accounting of OTLP output, where one message carries the spans of one trace from many
 * records: the broker dies mid-batch, the batch response names a record, and re-delivering
 * from it (as Lambda does) leaves every span stored in some OTLP message at least once.
 */

const broker = useOwnBroker();
const SPANS = 10_000;
/** Four spans per trace, in records far apart: 0, 2500, 5000, 7500 for the first trace. */
const TRACES = 2_500;

async function storedCount(topic: string): Promise<number> {
  const admin = new Kafka({ brokers: broker().brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

it('names the earliest record of an unacknowledged trace message; re-delivery from it stores every span', async () => {
  const topic = randomTopic('otlp-faults');
  await broker().createTopic(topic, 4);
  const c = await collector(broker().brokers, {
    KAFKA_TOPIC: topic,
    OUTPUT_FORMAT: 'otlp-proto',
    KAFKA_MAX_BATCH_BYTES: '8000',
    KAFKA_MAX_IN_FLIGHT: '1',
    KAFKA_RETRIES: '1',
  });
  const spanId = (i: number) => i.toString(16).padStart(16, '0');
  const event = kinesisEvent(
    Array.from({ length: SPANS }, (_, i) =>
      encodeSpan({ traceId: `trace-${i % TRACES}`, spanId: spanId(i + 1), parentSpanId: '' }),
    ),
  );
  try {
    const answer = c.handler(event, lambdaContext(20_000));
    while ((await storedCount(topic)) < 200) await new Promise((r) => setTimeout(r, 10));
    await broker().kill();
    const response = await answer;

    expect(response.batchItemFailures).toHaveLength(1);
    const named = event.Records.findIndex(
      (r) => r.kinesis.sequenceNumber === response.batchItemFailures[0]?.itemIdentifier,
    );
    // A trace message names its first record, so the failure names one of the first 2,500.
    expect(named).toBeGreaterThanOrEqual(1);
    expect(named).toBeLessThan(TRACES);

    await broker().restart();
    const redelivery: KinesisStreamEvent = { Records: event.Records.slice(named) };
    expect((await c.handler(redelivery, lambdaContext(60_000))).batchItemFailures).toEqual([]);

    const read = await readAll(broker().brokers, topic, await storedCount(topic), 60_000);
    const stored = new Set<string>();
    for (const m of read) {
      const request = otlp.ExportTraceServiceRequest.decode(m.value as Buffer);
      for (const rs of request.resourceSpans ?? []) {
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) stored.add(Buffer.from(s.spanId ?? []).toString('hex'));
        }
      }
    }
    const missing = Array.from({ length: SPANS }, (_, i) => spanId(i + 1)).filter(
      (id) => !stored.has(id),
    );
    expect(missing).toEqual([]);
  } finally {
    await c.close();
  }
});
