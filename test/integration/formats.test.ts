import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DeadLetterHeader } from '../../lambda/dead-letters.js';
import { javaPartition } from '../../lambda/kafka/partitioner.js';
import { Batch, Span } from '../../proto/haystack.generated.js';
import { sharedKafka } from '../harness/context.js';
import { useOwnBroker } from '../harness/own-broker.js';
import { createTopic, randomTopic, readAll } from '../harness/topics.js';
import { collector } from '../helpers/collector.js';
import { encodeSpan, kinesisEvent, kplAggregate, lambdaContext } from '../helpers/factories.js';

/**
 * Every input format end to end through the real broker, from vectors made by independent
 * encoders (protoc, opentelemetry-proto's own code, upstream example payloads): the spans read
 * back from Kafka decode to exactly what the vectors say, keyed and partitioned by traceId.
 */

const kafka = sharedKafka();
const vector = (name: string) => readFileSync(`test/vectors/${name}`);
const asObject = (span: Span) =>
  Span.toObject(span, { longs: String, enums: String, bytes: String });

async function topics(partitions = 3) {
  const topic = randomTopic('fmt');
  const dlq = randomTopic('fmt-dlq');
  await createTopic(kafka.brokers, topic, partitions);
  await createTopic(kafka.brokers, dlq, 1);
  return { topic, dlq };
}

describe.each([
  {
    format: 'haystack-batch',
    input: 'batch-three.bin.zz',
    expected: 'batch-three.bin',
    refused: ['missing-service-name'],
  },
  {
    format: 'otlp-proto',
    input: 'otlp-request.bin.flushed.zz',
    expected: 'otlp-request.expected.bin',
    refused: ['invalid-otlp-span'],
  },
  {
    format: 'otlp-json',
    input: 'otlp-request.json',
    expected: 'otlp-request.expected.bin',
    refused: ['invalid-otlp-span'],
  },
  {
    format: 'otlp-json',
    input: 'otlp-trace-example.json',
    expected: 'otlp-trace-example.expected.bin',
    refused: [],
  },
  {
    format: 'haystack-json',
    input: 'haystack-json-types.json',
    expected: 'haystack-json-types.expected.bin',
    refused: ['invalid-json-span'],
  },
])('$format from $input', ({ format, input, expected, refused }) => {
  it('produces every span the vector holds, keyed and partitioned by its traceId; dead-letters the rest', async () => {
    const { topic, dlq } = await topics();
    const c = await collector(kafka.brokers, {
      KAFKA_TOPIC: topic,
      KAFKA_DLQ_TOPIC: dlq,
      INPUT_FORMAT: format,
    });
    const wanted = Batch.decode(vector(expected))
      .spans.map((s) => asObject(s as Span))
      .filter((s) => !refused.includes('missing-service-name') || s.serviceName);

    try {
      const response = await c.handler(
        kinesisEvent([vector(input), kplAggregate([vector(input)])]),
        lambdaContext(),
      );
      const spans = await readAll(kafka.brokers, topic, wanted.length * 2);
      const letters = await readAll(kafka.brokers, dlq, refused.length * 2);

      expect(response.batchItemFailures).toEqual([]);
      const got = spans.map((m) => asObject(Span.decode(m.value as Buffer)));
      const sortKey = (s: Record<string, unknown>) => `${s.traceId}/${s.spanId}`;
      expect(got.sort((a, b) => sortKey(a).localeCompare(sortKey(b)))).toEqual(
        [...wanted, ...wanted].sort((a, b) => sortKey(a).localeCompare(sortKey(b))),
      );
      for (const m of spans) {
        const traceId = Span.decode(m.value as Buffer).traceId;
        expect(m.key?.toString()).toBe(traceId);
        expect(m.partition).toBe(javaPartition(Buffer.from(traceId), 3));
      }
      expect(letters.map((m) => m.headers[DeadLetterHeader.reason]?.toString())).toEqual([
        ...refused,
        ...refused,
      ]);
    } finally {
      await c.close();
    }
  });
});

it('a zip bomb is dead-lettered whole, the other records of its batch produced', async () => {
  const { topic, dlq } = await topics(1);
  const c = await collector(kafka.brokers, {
    KAFKA_TOPIC: topic,
    KAFKA_DLQ_TOPIC: dlq,
    MAX_DECOMPRESSED_BYTES: '1048576',
  });
  const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));

  try {
    const response = await c.handler(
      kinesisEvent([
        encodeSpan({ traceId: 'before' }),
        bomb,
        gzipSync(encodeSpan({ traceId: 'after' })),
      ]),
      lambdaContext(),
    );
    const spans = await readAll(kafka.brokers, topic, 2);
    const [letter] = await readAll(kafka.brokers, dlq, 1);

    expect(response.batchItemFailures).toEqual([]);
    expect(spans.map((m) => m.key?.toString()).sort()).toEqual(['after', 'before']);
    expect(letter?.headers[DeadLetterHeader.reason]?.toString()).toBe('decompressed-too-large');
    expect(letter?.value).toEqual(bomb);
  } finally {
    await c.close();
  }
});

it('OUTPUT_FORMAT=json writes the original collector’s JSON of the decorated span', async () => {
  const { topic, dlq } = await topics(1);
  const c = await collector(kafka.brokers, {
    KAFKA_TOPIC: topic,
    KAFKA_DLQ_TOPIC: dlq,
    OUTPUT_FORMAT: 'json',
  });

  try {
    await c.handler(kinesisEvent([vector('span-full.bin')]), lambdaContext());
    const [message] = await readAll(kafka.brokers, topic, 1);

    expect(message?.value?.toString('utf8')).toBe(vector('span-full.json').toString('utf8').trim());
    expect(message?.key?.toString()).toBe(Span.decode(vector('span-full.bin')).traceId);
  } finally {
    await c.close();
  }
});

describe('tag routes', () => {
  const other = useOwnBroker();

  it('copy matching spans to their topic, on the same cluster and on another one', async () => {
    const { topic, dlq } = await topics(2);
    const errors = randomTopic('errors');
    const mirror = randomTopic('mirror');
    await createTopic(kafka.brokers, errors, 2);
    await other().createTopic(mirror, 2);
    const routes = [
      { name: 'errors', topic: errors, tags: { error: 'true' } },
      { name: 'mirror', topic: mirror, tags: {}, brokers: other().brokers },
    ];
    const c = await collector(kafka.brokers, {
      KAFKA_TOPIC: topic,
      KAFKA_DLQ_TOPIC: dlq,
      ROUTES: JSON.stringify(routes),
    });
    const failing = encodeSpan({ traceId: 'failing', tags: [{ key: 'error', vStr: 'true' }] });
    const fine = encodeSpan({ traceId: 'fine', tags: [{ key: 'error', vStr: 'false' }] });

    try {
      const response = await c.handler(kinesisEvent([failing, fine]), lambdaContext());
      const main = await readAll(kafka.brokers, topic, 2);
      const routed = await readAll(kafka.brokers, errors, 1);
      const mirrored = await readAll(other().brokers, mirror, 2);

      expect(response.batchItemFailures).toEqual([]);
      expect(main.map((m) => m.key?.toString()).sort()).toEqual(['failing', 'fine']);
      expect(routed.map((m) => [m.key?.toString(), m.value])).toEqual([['failing', failing]]);
      expect(mirrored.map((m) => m.key?.toString()).sort()).toEqual(['failing', 'fine']);
      for (const m of mirrored) expect(m.partition).toBe(javaPartition(m.key as Buffer, 2));
    } finally {
      await c.close();
    }
  });
});
