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
