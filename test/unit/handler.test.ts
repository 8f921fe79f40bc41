import type { KinesisStreamEvent } from 'aws-lambda';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { Config } from '../../lambda/config.js';
import type { MessageProducer } from '../../lambda/kafka/producer.js';
import {
  encodeSpan,
  kinesisEvent,
  kinesisRecord,
  kplAggregate,
  lambdaContext,
} from '../helpers/factories.js';
import { handlerModule, offlineConfig, recordingProducer } from '../helpers/handler.js';

// No connection is made: these tests hand createHandler a producer that records what it gets.
let createHandler: typeof import('../../lambda/handler.js').createHandler;
let produceBudget: typeof import('../../lambda/handler.js').produceBudget;
let metrics: typeof import('../../lambda/telemetry.js').metrics;
let config: Config;

beforeAll(async () => {
  ({ createHandler, produceBudget } = await handlerModule());
  ({ metrics } = await import('../../lambda/telemetry.js'));
  config = offlineConfig({ DEADLINE_MARGIN_MS: '500' });
});

const seq = (event: KinesisStreamEvent, i: number) => event.Records[i]?.kinesis.sequenceNumber;

describe('handler', () => {
  it('produces every valid span keyed by traceId and answers success', async () => {
    const spans = [encodeSpan({ traceId: 'a' }), encodeSpan({ traceId: 'b' })];
    const { producer, calls } = recordingProducer();

    const response = await createHandler(config, producer)(kinesisEvent(spans), lambdaContext());

    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(calls[0]?.messages.map((m) => [m.topic, m.key?.toString(), m.value])).toEqual([
      ['proto-spans', 'a', spans[0]],
      ['proto-spans', 'b', spans[1]],
    ]);
  });

  it('names the earliest record with an unacknowledged span, never an invalid or earlier one', async () => {
    const event = kinesisEvent([
      encodeSpan({ traceId: 'ok-0' }),
      encodeSpan({ serviceName: '' }), // invalid: dead-lettered (stored), never named
      encodeSpan({ traceId: 'fail-2' }),
      encodeSpan({ traceId: 'ok-3' }),
      encodeSpan({ traceId: 'fail-4' }),
    ]);
    const { producer } = recordingProducer((m) => m.key?.toString().startsWith('fail') ?? false);

    const response = await createHandler(config, producer)(event, lambdaContext());

    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: seq(event, 2) }] });
  });

  it('names a KPL record when any one of its sub-records was not acknowledged', async () => {
    const event: KinesisStreamEvent = {
      Records: [
        kinesisRecord(encodeSpan(), { position: 0 }),
        kinesisRecord(
          kplAggregate([encodeSpan({ traceId: 'fine' }), encodeSpan({ traceId: 'lost' })]),
          { position: 1 },
        ),
      ],
    };
    const { producer } = recordingProducer((m) => m.key?.toString() === 'lost');

    const response = await createHandler(config, producer)(event, lambdaContext());

    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: seq(event, 1) }] });
  });

  it('dead-letters every invalid record after the spans and answers success once all are stored', async () => {
    const bad = [encodeSpan({ traceId: '' }), Buffer.from('garbage')];
    const event = kinesisEvent([bad[0] as Buffer, encodeSpan({ traceId: 'ok' }), bad[1] as Buffer]);
    const { producer, calls } = recordingProducer();

    const response = await createHandler(config, producer)(event, lambdaContext());

    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(
      calls[0]?.messages.map((m) => [m.recordIndex, m.topic, m.headers?.['dlq.reason']]),
    ).toEqual([
      [1, 'proto-spans', undefined],
      [0, 'proto-spans-dlq', 'missing-trace-id'],
      [2, 'proto-spans-dlq', 'undecodable'],
    ]);
    expect(calls[0]?.messages[1]?.value).toEqual(bad[0]);
  });

  it('names a refused record when its dead letter was not stored', async () => {
    const event = kinesisEvent([encodeSpan(), encodeSpan({ spanId: '' }), encodeSpan()]);
    const { producer } = recordingProducer((m) => m.topic === 'proto-spans-dlq');

    const response = await createHandler(config, producer)(event, lambdaContext());

    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: seq(event, 1) }] });
  });

  it('with dead letters off, only counts invalid records and never names them', async () => {
    const event = kinesisEvent([encodeSpan({ traceId: '' }), Buffer.from('garbage')]);
    const { producer, calls } = recordingProducer(() => true);
    const noDlq = offlineConfig({ KAFKA_DLQ_TOPIC: 'none' });

    const response = await createHandler(noDlq, producer)(event, lambdaContext());

    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(calls[0]?.messages).toEqual([]);
  });

  it("dead-letters a refused KPL sub-record under its own partition key, not the aggregate's", async () => {
    // The Java KPL gives every aggregate the partition key `a` and routes by explicit hash key.
    const aggregate = kplAggregate(
      [encodeSpan({ traceId: 'trace-1' }), encodeSpan({ traceId: 'trace-2', spanId: '' })],
      ['trace-1', 'trace-2'],
    );
    const event: KinesisStreamEvent = {
      Records: [kinesisRecord(aggregate, { position: 0, partitionKey: 'a' })],
    };
    const { producer, calls } = recordingProducer();

    await createHandler(config, producer)(event, lambdaContext());

    const [span, letter] = calls[0]?.messages ?? [];
    expect(span?.key?.toString()).toBe('trace-1');
    expect(letter?.headers?.['dlq.reason']).toBe('missing-span-id');
    expect(letter?.key?.toString()).toBe('trace-2');
    expect(letter?.headers?.['kinesis.partition.key']).toBe('trace-2');
  });

  it('accounts for a KPL aggregate that holds no user records: refused as no-spans, counted and logged', async () => {
    const { logger } = await import('../../lambda/telemetry.js');
    const warn = vi.spyOn(logger, 'warn');
    const event = kinesisEvent([kplAggregate([]), encodeSpan({ traceId: 'ok' })]);
    const { producer, calls } = recordingProducer();

    const response = await createHandler(config, producer)(event, lambdaContext());

    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(calls[0]?.messages.map((m) => [m.recordIndex, m.headers?.['dlq.reason']])).toEqual([
      [1, undefined],
      [0, 'no-spans'],
    ]);
    expect(warn).toHaveBeenCalledWith(
      'Invalid spans refused; they are not retried',
      expect.objectContaining({ invalid: 1, byReason: { 'no-spans': 1 } }),
    );
    warn.mockRestore();
  });

  it.each([
    ['78 01', [0x78, 0x01]],
    ['78 5E', [0x78, 0x5e]],
    ['78 9C', [0x78, 0x9c, 0x01]],
    ['78 DA', [0x78, 0xda, 0x01]],
  ])(
    'produces untouched a span that starts with an unknown field 15 (%s, like zlib)',
    async (_, field15) => {
      // Java's proto3 parser skips unknown fields, and the original collector accepted such spans.
      const data = Buffer.concat([Buffer.from(field15), encodeSpan({ traceId: 'field-15' })]);
      const { producer, calls } = recordingProducer();

      const response = await createHandler(config, producer)(kinesisEvent([data]), lambdaContext());

      expect(response).toStrictEqual({ batchItemFailures: [] });
      expect(calls[0]?.messages).toHaveLength(1);
      expect(calls[0]?.messages[0]?.key?.toString()).toBe('field-15');
      expect(calls[0]?.messages[0]?.value.equals(data)).toBe(true);
    },
  );

  it('still refuses as bad-compression a zlib header that is neither a stream nor a span', async () => {
    const broken = Buffer.from([0x78, 0x9c, 0xff, 0xff, 0xff, 0xff]);
    const { producer, calls } = recordingProducer();

    await createHandler(config, producer)(kinesisEvent([broken]), lambdaContext());

    expect(calls[0]?.messages.map((m) => m.headers?.['dlq.reason'])).toEqual(['bad-compression']);
  });

  it('gives the producer the invocation deadline less the margin', async () => {
    const { producer, calls } = recordingProducer();
    const before = Date.now();

    await createHandler(config, producer)(kinesisEvent([encodeSpan()]), lambdaContext(10_000));

    const deadline = calls[0]?.deadline ?? 0;
    expect(deadline).toBeGreaterThanOrEqual(before + 10_000 - 500 - 50);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 10_000 - 500);
  });

  it('keeps at most half the remaining time back when the timeout is shorter than the margin', () => {
    expect(produceBudget(10_000, 1000)).toBe(9000);
    expect(produceBudget(1500, 1000)).toBe(750);
    expect(produceBudget(600, 1000)).toBe(300);
    expect(produceBudget(0, 1000)).toBe(0);
  });

  it('survives an event without Records', async () => {
    const { producer } = recordingProducer();

    const response = await createHandler(config, producer)(
      {} as KinesisStreamEvent,
      lambdaContext(),
    );

    expect(response).toStrictEqual({ batchItemFailures: [] });
  });

  it('flushes metrics even when producing throws', async () => {
    const flush = vi.spyOn(metrics, 'publishStoredMetrics');
    const producer: MessageProducer = { deliver: () => Promise.reject(new Error('bug')) };

    await expect(
      createHandler(config, producer)(kinesisEvent([encodeSpan()]), lambdaContext()),
    ).rejects.toThrow('bug');
    expect(flush).toHaveBeenCalled();
  });
});
