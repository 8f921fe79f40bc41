import { createHash } from 'node:crypto';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeadLetterHeader } from '../../lambda/dead-letters.js';
import { sharedKafka } from '../harness/context.js';
import { createTopic, randomTopic, readAll } from '../harness/topics.js';
import { type Collector, collector } from '../helpers/collector.js';
import { encodeSpan, kinesisRecord, kplAggregate, lambdaContext } from '../helpers/factories.js';

/** Every record that cannot become a valid span lands in the dead-letter topic, bytes intact. */

const kafka = sharedKafka();

describe('dead letters on a real broker', () => {
  let topic: string;
  let dlq: string;
  let c: Collector;

  beforeAll(async () => {
    topic = randomTopic('spans');
    dlq = randomTopic('dlq');
    await createTopic(kafka.brokers, topic, 3);
    await createTopic(kafka.brokers, dlq, 2);
    c = await collector(kafka.brokers, {
      KAFKA_TOPIC: topic,
      KAFKA_DLQ_TOPIC: dlq,
      KAFKA_MAX_BATCH_BYTES: '20000',
    });
  });
  afterAll(() => c.close());

  it('stores every refused record with its bytes and where it came from, and only valid spans in the span topic', async () => {
    const valid = [
      encodeSpan({ traceId: 'v-0' }),
      encodeSpan({ traceId: 'v-1' }),
      encodeSpan({ traceId: 'v-2' }),
    ];
    const corruptAggregate = kplAggregate([encodeSpan()]);
    corruptAggregate[8] = (corruptAggregate[8] as number) ^ 0x55;
    const body = Buffer.from([0x1a, 0x05, 0x18, 0x01]); // AggregatedRecord.records with a truncated Record
    const malformedAggregate = Buffer.concat([
      Buffer.from([0xf3, 0x89, 0x9a, 0xc2]),
      body,
      createHash('md5').update(body).digest(),
    ]);
    const invalid = {
      'missing-trace-id': encodeSpan({ traceId: '' }),
      'negative-duration': encodeSpan({ duration: -7 }),
      undecodable: Buffer.from('{"traceId":"json is not a span"}'),
      'too-large': encodeSpan({ operationName: 'o'.repeat(30_000) }),
      'kpl-checksum-mismatch': corruptAggregate,
      'kpl-malformed': malformedAggregate,
    };
    const badBase64 = kinesisRecord(Buffer.from('x'), { position: 9, partitionKey: 'pk-b64' });
    badBase64.kinesis.data = 'this is !!! not base64';
    const noData = kinesisRecord(Buffer.from('x'), { position: 10 }) as unknown as {
      kinesis: Record<string, unknown>;
    };
    delete noData.kinesis.data;
    const event: KinesisStreamEvent = {
      Records: [
        kinesisRecord(valid[0] as Buffer, { position: 0 }),
        ...Object.values(invalid).map((data, i) =>
          kinesisRecord(data, { position: 1 + i, partitionKey: `pk-${i}` }),
        ),
        kinesisRecord(
          kplAggregate([valid[1] as Buffer, invalid['missing-trace-id'], valid[2] as Buffer]),
          {
            position: 7,
            partitionKey: 'pk-agg',
          },
        ),
        badBase64,
        noData as unknown as KinesisStreamRecord,
      ],
    };

    const response = await c.handler(event, lambdaContext());
    const spans = await readAll(kafka.brokers, topic, valid.length);
    const letters = await readAll(kafka.brokers, dlq, 9);

    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(spans.map((m) => m.value as Buffer).sort(Buffer.compare)).toEqual(
      [...valid].sort(Buffer.compare),
    );
    expect(letters).toHaveLength(9);
    const header = (m: (typeof letters)[number] | undefined, name: string) =>
      m?.headers[name]?.toString();
    const byReasonAndRecord = new Map(
      letters.map((m) => [
        `${header(m, DeadLetterHeader.reason)}@${header(m, DeadLetterHeader.sequenceNumber)}`,
        m,
      ]),
    );
    const seq = (i: number) => event.Records[i]?.kinesis.sequenceNumber;
    for (const [i, [reason, data]] of Object.entries(invalid).entries()) {
      const letter = byReasonAndRecord.get(`${reason}@${seq(1 + i)}`);
      expect(letter, reason).toBeDefined();
      if (reason === 'too-large') {
        expect(header(letter, DeadLetterHeader.truncatedFrom)).toBe(String(data.length));
        const stored = letter?.value as Buffer;
        expect(data.subarray(0, stored.length).equals(stored)).toBe(true);
      } else {
        expect(letter?.value).toEqual(data);
      }
      expect(letter?.key?.toString()).toBe(`pk-${i}`);
      expect(header(letter, DeadLetterHeader.streamArn)).toBe(event.Records[0]?.eventSourceARN);
      expect(header(letter, DeadLetterHeader.shardId)).toBe('shardId-000000000000');
      expect(Number(header(letter, DeadLetterHeader.arrivalTime))).toBeGreaterThan(1.7e12);
    }
    const inAggregate = byReasonAndRecord.get(`missing-trace-id@${seq(7)}`);
    expect(header(inAggregate, DeadLetterHeader.subSequenceNumber)).toBe('1');
    expect(inAggregate?.value).toEqual(invalid['missing-trace-id']);
    expect(byReasonAndRecord.get(`bad-base64@${seq(8)}`)?.value?.toString()).toBe(
      'this is !!! not base64',
    );
    const malformed = byReasonAndRecord.get(`malformed-event@${seq(9)}`);
    expect(JSON.parse(malformed?.value?.toString() ?? '{}').kinesis.sequenceNumber).toBe(seq(9));
  });
});

it('names the first refused record whose dead letter could not be stored, after the spans before it', async () => {
  const topic = randomTopic('spans');
  await createTopic(kafka.brokers, topic, 2);
  const c = await collector(kafka.brokers, {
    KAFKA_TOPIC: topic,
    KAFKA_DLQ_TOPIC: randomTopic('never-created'),
    KAFKA_RETRIES: '1',
  });
  const event: KinesisStreamEvent = {
    Records: [
      kinesisRecord(encodeSpan({ traceId: 'first' }), { position: 0 }),
      kinesisRecord(encodeSpan({ spanId: '' }), { position: 1 }),
      kinesisRecord(encodeSpan({ traceId: 'third' }), { position: 2 }),
    ],
  };

  try {
    const response = await c.handler(event, lambdaContext(10_000));

    expect(response).toStrictEqual({
      batchItemFailures: [{ itemIdentifier: event.Records[1]?.kinesis.sequenceNumber }],
    });
  } finally {
    await c.close();
  }
});
