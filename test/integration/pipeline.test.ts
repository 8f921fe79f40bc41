import type { KinesisStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { javaPartition } from '../../lambda/kafka/partitioner.js';
import { Span } from '../../proto/haystack.generated.js';
import { sharedKafka } from '../harness/context.js';
import { javaConsume, javaProduceKeyed } from '../harness/kafka/java-tools.js';
import { createTopic, randomTopic, readAll } from '../harness/topics.js';
import { type Collector, collector } from '../helpers/collector.js';
import {
  encodeSpan,
  kinesisEvent,
  kinesisRecord,
  kplAggregate,
  lambdaContext,
} from '../helpers/factories.js';

/**
 * The core pipeline against a real Kafka broker: Lambda-shaped events in, the topic read back
 * with a consumer, every key, partition, value byte and count checked.
 */

const PARTITIONS = 6;
const kafka = sharedKafka();

async function freshTopic(partitions = PARTITIONS): Promise<string> {
  const topic = randomTopic('spans');
  await createTopic(kafka.brokers, topic, partitions);
  return topic;
}

describe('handler against a real broker', () => {
  let topic: string;
  let c: Collector;

  beforeAll(async () => {
    topic = await freshTopic();
    c = await collector(kafka.brokers, { KAFKA_TOPIC: topic });
  });
  afterAll(() => c.close());

  it('produces plain and KPL-aggregated spans keyed by traceId, bytes untouched, on the Java partition; refuses invalid ones', async () => {
    const plain = Array.from({ length: 20 }, (_, i) => encodeSpan({ traceId: `plain-${i}` }));
    const aggregated = Array.from({ length: 30 }, (_, i) =>
      encodeSpan({ traceId: `kpl-${i % 7}` }),
    );
    const invalid = [
      encodeSpan({ serviceName: '' }),
      encodeSpan({ operationName: '' }),
      encodeSpan({ spanId: '' }),
      encodeSpan({ traceId: '' }),
      encodeSpan({ startTime: 1_764_000_000_000 }),
      encodeSpan({ duration: -1 }),
      Buffer.from('not a span at all'),
    ];
    const event: KinesisStreamEvent = {
      Records: [
        ...plain.slice(0, 10).map((data, i) => kinesisRecord(data, { position: i })),
        kinesisRecord(kplAggregate(aggregated.slice(0, 15)), { position: 10 }),
        ...invalid.map((data, i) => kinesisRecord(data, { position: 11 + i })),
        kinesisRecord(kplAggregate([...aggregated.slice(15), invalid[0] as Buffer]), {
          position: 18,
        }),
        ...plain.slice(10).map((data, i) => kinesisRecord(data, { position: 19 + i })),
      ],
    };
    const expected = [...plain, ...aggregated];

    const response = await c.handler(event, lambdaContext());
    const read = await readAll(kafka.brokers, topic, expected.length);

    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(read).toHaveLength(expected.length);
    const wanted = new Map(expected.map((bytes) => [bytes.toString('base64'), bytes]));
    for (const message of read) {
      const value = message.value as Buffer;
      expect(wanted.has(value.toString('base64'))).toBe(true);
      const traceId = Span.decode(value).traceId;
      expect(message.key?.toString('utf8')).toBe(traceId);
      expect(message.partition).toBe(javaPartition(Buffer.from(traceId), PARTITIONS));
    }
    expect(new Set(read.map((m) => (m.value as Buffer).toString('base64'))).size).toBe(
      expected.length,
    );
  });

  it('reuses one warm producer across many invocations', async () => {
    const connectsBefore = c.producer.stats.connects;
    const spans = Array.from({ length: 25 }, (_, i) => encodeSpan({ traceId: `warm-${i}` }));

    for (const [i, span] of spans.entries()) {
      const response = await c.handler(kinesisEvent([span], 1000 + i), lambdaContext());
      expect(response.batchItemFailures).toEqual([]);
    }

    expect(c.producer.stats).toEqual({
      connects: Math.max(connectsBefore, 1),
      rebuilds: 0,
      skipped: 0,
    });
    const read = await readAll(kafka.brokers, topic, 50 + spans.length);
    expect(read.filter((m) => m.key?.toString().startsWith('warm-'))).toHaveLength(spans.length);
  });
});

it('puts each traceId on the partition Kafka’s Java producer picks for it', async () => {
  const javaTopic = await freshTopic();
  const ourTopic = await freshTopic();
  const traceIds = Array.from({ length: 60 }, (_, i) =>
    i % 3 === 0 ? crypto.randomUUID() : i % 3 === 1 ? `trace-${i}` : `ünïcødé-${i}-😀`,
  );
  const c = await collector(kafka.brokers, { KAFKA_TOPIC: ourTopic });

  try {
    await javaProduceKeyed(kafka.libsDir, kafka.brokers[0] as string, javaTopic, traceIds);
    const response = await c.handler(
      kinesisEvent(traceIds.map((traceId) => encodeSpan({ traceId }))),
      lambdaContext(),
    );
    const java = await readAll(kafka.brokers, javaTopic, traceIds.length);
    const ours = await readAll(kafka.brokers, ourTopic, traceIds.length);

    expect(response.batchItemFailures).toEqual([]);
    const javaPartitions = new Map(java.map((m) => [m.key?.toString('utf8'), m.partition]));
    const ourPartitions = new Map(ours.map((m) => [m.key?.toString('utf8'), m.partition]));
    expect(javaPartitions.size).toBe(traceIds.length);
    expect(ourPartitions).toEqual(javaPartitions);
    expect(new Set(javaPartitions.values()).size).toBeGreaterThan(1);
  } finally {
    await c.close();
  }
});

it('writes what a Java consumer reads: key and value bytes as produced', async () => {
  const topic = await freshTopic(3);
  const c = await collector(kafka.brokers, { KAFKA_TOPIC: topic });
  const spans = Array.from({ length: 12 }, (_, i) => encodeSpan({ traceId: `java-reads-${i}` }));

  try {
    const response = await c.handler(kinesisEvent(spans), lambdaContext());
    const consumed = await javaConsume(
      kafka.libsDir,
      kafka.brokers[0] as string,
      topic,
      spans.length,
    );

    expect(response.batchItemFailures).toEqual([]);
    expect(consumed.map((r) => r.key).sort()).toEqual(
      spans.map((_, i) => `java-reads-${i}`).sort(),
    );
    const byKey = new Map(spans.map((bytes, i) => [`java-reads-${i}`, bytes]));
    for (const record of consumed) {
      expect(record.value).toEqual(byKey.get(record.key ?? ''));
      expect(record.partition).toBe(javaPartition(Buffer.from(record.key ?? ''), 3));
    }
  } finally {
    await c.close();
  }
});

it('sends a Lambda-sized batch of 10,000 spans in several requests, every one acknowledged', async () => {
  const topic = await freshTopic();
  const c = await collector(kafka.brokers, { KAFKA_TOPIC: topic, KAFKA_MAX_BATCH_BYTES: '500000' });
  const spans = Array.from({ length: 10_000 }, (_, i) =>
    encodeSpan({ traceId: `bulk-${i % 997}` }),
  );

  try {
    const response = await c.handler(kinesisEvent(spans), lambdaContext());
    const read = await readAll(kafka.brokers, topic, spans.length, 60_000);

    expect(response.batchItemFailures).toEqual([]);
    expect(read).toHaveLength(spans.length);
    const perKeyOrder = new Map<string, number[]>();
    for (const m of read) {
      const key = m.key?.toString() ?? '';
      expect(m.partition).toBe(javaPartition(Buffer.from(key), PARTITIONS));
      perKeyOrder.set(key, [...(perKeyOrder.get(key) ?? []), Number(m.offset)]);
    }
    expect(perKeyOrder.size).toBe(997);
  } finally {
    await c.close();
  }
});

it('answers a failure for every record when the topic does not exist, and never creates it', async () => {
  const missing = randomTopic('missing');
  const c = await collector(kafka.brokers, { KAFKA_TOPIC: missing, KAFKA_RETRIES: '1' });
  const event = kinesisEvent([encodeSpan({ serviceName: '' }), encodeSpan(), encodeSpan()]);
  const context = lambdaContext(8000);

  try {
    const response = await c.handler(event, context);

    // Answered before Lambda's timeout, which would have failed the whole batch.
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);
    // Record 0 is invalid (refused for good), so the first record to re-deliver is record 1.
    expect(response).toStrictEqual({
      batchItemFailures: [{ itemIdentifier: event.Records[1]?.kinesis.sequenceNumber }],
    });
    const { Kafka } = await import('kafkajs');
    const admin = new Kafka({ brokers: kafka.brokers, logLevel: 0 }).admin();
    await admin.connect();
    const topics = await admin.listTopics();
    await admin.disconnect();
    expect(topics).not.toContain(missing);
  } finally {
    await c.close();
  }
});
