import type { KinesisStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  MemoryShard,
  mappingSettings,
  type OnFailureRecord,
  runMapping,
  runShard,
  type StreamHandler,
} from '../../local/esm/index.js';

/**
 * The local event source mapping against fake handlers, no network: every rule of Lambda's
 * Kinesis poller that the collector relies on (checkpoints, partial failures, bisection,
 * retries, on-failure destination, ordering, payload cap).
 */

const payloads = (n: number): Buffer[] => Array.from({ length: n }, (_, i) => Buffer.from(`r${i}`));

/** Decoded payloads of one event, e.g. ['r0', 'r1']. */
const names = (event: KinesisStreamEvent): string[] =>
  event.Records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString());

/** A handler that records what each invocation received and answers with `answer`. */
function recording(answer: (event: KinesisStreamEvent, call: number) => unknown = () => ({})) {
  const calls: string[][] = [];
  const handler: StreamHandler = async (event) => {
    calls.push(names(event));
    return answer(event, calls.length - 1);
  };
  return { calls, handler };
}

/** Reports the record named `name` as failed the first `times` times it is delivered. */
function failingOnce(name: string, times = 1) {
  let left = times;
  return (event: KinesisStreamEvent) => {
    const record = event.Records.find((_, i) => names(event)[i] === name);
    if (!record || left === 0) return { batchItemFailures: [] };
    left--;
    return { batchItemFailures: [{ itemIdentifier: record.kinesis.sequenceNumber }] };
  };
}

describe('runShard: success', () => {
  it('delivers every record once, in order, in batches of batchSize, and checkpoints the last', async () => {
    const shard = new MemoryShard(payloads(25));
    const { calls, handler } = recording();

    const run = await runShard(shard, handler, { batchSize: 10 });

    expect(calls.map((c) => c.length)).toStrictEqual([10, 10, 5]);
    expect(calls.flat()).toStrictEqual(payloads(25).map(String));
    expect(run.checkpoint).toBe(shard.sequenceNumberAt(24));
    expect(run.stats).toMatchObject({
      invocations: 3,
      batches: 3,
      recordsDelivered: 25,
      recordsCheckpointed: 25,
      retries: 0,
      failures: 0,
    });
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['an empty object', {}],
    ['an empty list', { batchItemFailures: [] }],
    ['a null list', { batchItemFailures: null }],
    [
      'a misspelled top-level key (Lambda loses the batch)',
      { batchItemFailure: [{ itemIdentifier: 'x' }] },
    ],
    ['a string', 'ok'],
  ])('treats %s as success, as Lambda does', async (_, answer) => {
    const { calls, handler } = recording(() => answer);

    const run = await runShard(new MemoryShard(payloads(3)), handler, { batchSize: 3 });

    expect(calls).toHaveLength(1);
    expect(run.stats.recordsCheckpointed).toBe(3);
  });

  it('builds records exactly as Lambda delivers them', async () => {
    const shard = new MemoryShard(
      [{ data: Buffer.from('span'), partitionKey: 'trace-1', arrivalMs: 1_700_000_000_123 }],
      {
        shardId: 'shardId-000000000007',
        streamArn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/spans',
      },
    );
    let seen: KinesisStreamEvent | undefined;

    await runShard(shard, async (event) => {
      seen = event;
    });

    const seq = shard.sequenceNumberAt(0);
    expect(seen?.Records).toStrictEqual([
      {
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: 'trace-1',
          sequenceNumber: seq,
          data: Buffer.from('span').toString('base64'),
          approximateArrivalTimestamp: 1_700_000_000.123,
        },
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: `shardId-000000000007:${seq}`,
        eventName: 'aws:kinesis:record',
        invokeIdentityArn: expect.stringMatching(/^arn:aws:iam::/),
        awsRegion: 'eu-west-1',
        eventSourceARN: 'arn:aws:kinesis:eu-west-1:123456789012:stream/spans',
      },
    ]);
  });

  it('gives the handler a context counting down from the function timeout', async () => {
    let remaining = -1;

    await runShard(
      new MemoryShard(payloads(1)),
      async (_, context) => {
        remaining = context.getRemainingTimeInMillis();
      },
      { functionTimeoutMs: 30_000 },
    );

    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(30_000);
  });

  it('cuts batches at the payload cap, counting the event JSON, and loses nothing', async () => {
    const { calls, handler } = recording();
    // Same-sized records (one partition key, one arrival time), so the cut is predictable.
    const shard = new MemoryShard(
      payloads(20).map((data) => ({ data, partitionKey: 'pk', arrivalMs: 1_700_000_000_000 })),
    );
    const oneRecord = JSON.stringify((await shard.read(undefined, 1))[0]).length + 1;

    await runShard(shard, handler, { batchSize: 100, maxPayloadBytes: 14 + oneRecord * 6 });

    expect(calls.map((c) => c.length)).toStrictEqual([6, 6, 6, 2]);
    expect(calls.flat()).toStrictEqual(payloads(20).map(String));
  });
});

describe('runShard: partial batch failures', () => {
  it('checkpoints before the reported record and re-delivers from it, acknowledged records included', async () => {
    const shard = new MemoryShard(payloads(6));
    const { calls, handler } = recording(failingOnce('r2'));

    const run = await runShard(shard, handler, { batchSize: 6 });

    expect(calls).toStrictEqual([
      ['r0', 'r1', 'r2', 'r3', 'r4', 'r5'],
      ['r2', 'r3', 'r4', 'r5'],
    ]);
    expect(run.stats).toMatchObject({ partialFailures: 1, retries: 1, recordsCheckpointed: 6 });
    expect(run.checkpoint).toBe(shard.sequenceNumberAt(5));
  });

  it('uses the lowest sequence number when several are reported, whatever their order', async () => {
    const { calls, handler } = recording((event, call) =>
      call === 0
        ? {
            batchItemFailures: [4, 1, 3].map((i) => ({
              itemIdentifier: event.Records[i]?.kinesis.sequenceNumber,
            })),
          }
        : {},
    );

    await runShard(new MemoryShard(payloads(5)), handler, { batchSize: 5 });

    expect(calls[1]).toStrictEqual(['r1', 'r2', 'r3', 'r4']);
  });

  it.each([
    ['an empty itemIdentifier', { batchItemFailures: [{ itemIdentifier: '' }] }],
    ['a null itemIdentifier', { batchItemFailures: [{ itemIdentifier: null }] }],
    ['a misspelled itemIdentifier key', { batchItemFailures: [{ itemIdentifer: 'x' }] }],
    ['an identifier of no record in the batch', { batchItemFailures: [{ itemIdentifier: '1' }] }],
    ['a batchItemFailures that is not a list', { batchItemFailures: 'r1' }],
  ])('treats %s as a whole-batch failure', async (_, answer) => {
    const { calls, handler } = recording((_, call) => (call === 0 ? answer : {}));

    const run = await runShard(new MemoryShard(payloads(4)), handler, { batchSize: 4 });

    expect(calls).toStrictEqual([
      ['r0', 'r1', 'r2', 'r3'],
      ['r0', 'r1', 'r2', 'r3'],
    ]);
    expect(run.stats).toMatchObject({ failures: 1, retries: 1, recordsCheckpointed: 4 });
  });

  it('ignores the response when ReportBatchItemFailures is off', async () => {
    const { calls, handler } = recording(failingOnce('r1'));

    await runShard(new MemoryShard(payloads(3)), handler, { reportBatchItemFailures: false });

    expect(calls).toHaveLength(1);
  });

  it('gives up the rest of the batch after maxRetryAttempts and moves on', async () => {
    const shard = new MemoryShard(payloads(5));
    const discarded: OnFailureRecord[] = [];
    const { calls, handler } = recording(failingOnce('r3', Number.POSITIVE_INFINITY));

    const run = await runShard(shard, handler, {
      batchSize: 5,
      maxRetryAttempts: 2,
      onFailure: (record) => {
        discarded.push(record);
      },
    });

    expect(calls).toStrictEqual([
      ['r0', 'r1', 'r2', 'r3', 'r4'],
      ['r3', 'r4'],
      ['r3', 'r4'],
    ]);
    expect(discarded).toStrictEqual(run.discarded);
    expect(discarded).toHaveLength(1);
    expect(discarded[0]?.requestContext.condition).toBe('RetryAttemptsExhausted');
    expect(discarded[0]?.KinesisBatchInfo).toMatchObject({
      shardId: shard.shardId,
      startSequenceNumber: shard.sequenceNumberAt(3),
      endSequenceNumber: shard.sequenceNumberAt(4),
      batchSize: 2,
      streamArn: shard.streamArn,
    });
    expect(run.stats).toMatchObject({ recordsCheckpointed: 3, recordsDiscarded: 2 });
    expect(run.checkpoint).toBe(shard.sequenceNumberAt(4));
  });
});

describe('runShard: function errors', () => {
  const poison =
    (name: string): StreamHandler =>
    async (event) => {
      if (names(event).includes(name)) throw new Error(`cannot handle ${name}`);
      return { batchItemFailures: [] };
    };

  it('retries the whole batch on a thrown error, then sends it to the on-failure destination', async () => {
    const shard = new MemoryShard(payloads(4));
    const calls: string[][] = [];

    const run = await runShard(
      shard,
      async (event, context) => {
        calls.push(names(event));
        return poison('r1')(event, context);
      },
      { batchSize: 2, maxRetryAttempts: 1 },
    );

    expect(calls).toStrictEqual([
      ['r0', 'r1'],
      ['r0', 'r1'],
      ['r2', 'r3'],
    ]);
    expect(run.discarded).toHaveLength(1);
    expect(run.discarded[0]).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 2 },
      responseContext: { functionError: 'error: Error: cannot handle r1' },
      KinesisBatchInfo: {
        startSequenceNumber: shard.sequenceNumberAt(0),
        endSequenceNumber: shard.sequenceNumberAt(1),
        batchSize: 2,
      },
    });
    expect(run.stats).toMatchObject({
      failures: 2,
      retries: 1,
      recordsDiscarded: 2,
      recordsCheckpointed: 2,
    });
  });

  it('bisects a failing batch, first half first, until the poison record stands alone', async () => {
    const shard = new MemoryShard(payloads(8));
    const calls: string[][] = [];

    const run = await runShard(
      shard,
      async (event, context) => {
        calls.push(names(event));
        return poison('r5')(event, context);
      },
      { batchSize: 8, bisectBatchOnError: true, maxRetryAttempts: 0 },
    );

    expect(calls).toStrictEqual([
      ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7'],
      ['r0', 'r1', 'r2', 'r3'],
      ['r4', 'r5', 'r6', 'r7'],
      ['r4', 'r5'],
      ['r4'],
      ['r5'],
      ['r6', 'r7'],
    ]);
    expect(run.discarded.map((d) => d.KinesisBatchInfo.startSequenceNumber)).toStrictEqual([
      shard.sequenceNumberAt(5),
    ]);
    expect(run.stats).toMatchObject({
      bisections: 3,
      failures: 4,
      recordsCheckpointed: 7,
      recordsDiscarded: 1,
    });
  });

  it('counts a time-out as a failure and re-delivers the batch', async () => {
    let call = 0;
    const calls: string[][] = [];

    const run = await runShard(
      new MemoryShard(payloads(2)),
      (event) => {
        calls.push(names(event));
        call++;
        return call === 1 ? new Promise(() => undefined) : undefined;
      },
      { functionTimeoutMs: 20 },
    );

    expect(calls).toStrictEqual([
      ['r0', 'r1'],
      ['r0', 'r1'],
    ]);
    expect(run.stats).toMatchObject({ failures: 1, timeouts: 1, recordsCheckpointed: 2 });
  });

  it('treats a response JSON cannot carry as a function error', async () => {
    const { calls, handler } = recording((_, call) => (call === 0 ? { n: 1n } : {}));

    const run = await runShard(new MemoryShard(payloads(1)), handler);

    expect(calls).toHaveLength(2);
    expect(run.stats.failures).toBe(1);
  });
});

describe('runShard: record age', () => {
  it('sends records older than maxRecordAgeSeconds to the on-failure destination without invoking', async () => {
    const now = 1_800_000_000_000;
    const shard = new MemoryShard([
      { data: Buffer.from('old0'), arrivalMs: now - 120_000 },
      { data: Buffer.from('old1'), arrivalMs: now - 61_000 },
      { data: Buffer.from('new'), arrivalMs: now - 1_000 },
    ]);
    const { calls, handler } = recording();

    const run = await runShard(shard, handler, { maxRecordAgeSeconds: 60, now: () => now });

    expect(calls).toStrictEqual([['new']]);
    expect(run.discarded).toHaveLength(1);
    expect(run.discarded[0]).toMatchObject({
      requestContext: { condition: 'RecordAgeExceeded', approximateInvokeCount: 0 },
      KinesisBatchInfo: { batchSize: 2, endSequenceNumber: shard.sequenceNumberAt(1) },
    });
  });
});

describe('runShard: ordering and re-reads', () => {
  it('starts every batch exactly where the previous outcome left the shard, in sequence order', async () => {
    const shard = new MemoryShard(payloads(40));
    let failuresLeft = 6;
    const deliveries: { batch: number[]; failedAt: number | undefined }[] = [];
    const handler: StreamHandler = async (event) => {
      const batch = names(event).map((n) => Number(n.slice(1)));
      const middle = Math.floor(batch.length / 2);
      const failedAt = failuresLeft-- > 0 ? batch[middle] : undefined;
      deliveries.push({ batch, failedAt });
      const victim = event.Records[middle];
      return failedAt === undefined || !victim
        ? {}
        : { batchItemFailures: [{ itemIdentifier: victim.kinesis.sequenceNumber }] };
    };

    const run = await runShard(shard, handler, { batchSize: 7 });

    let expectedStart = 0;
    for (const { batch, failedAt } of deliveries) {
      expect(batch).toStrictEqual(batch.map((_, i) => expectedStart + i));
      expectedStart = failedAt ?? (batch.at(-1) as number) + 1;
    }
    expect(expectedStart).toBe(40);
    expect(run.stats).toMatchObject({ partialFailures: 6, recordsCheckpointed: 40 });
  });

  it('re-delivers fresh copies: a handler that mutates its event cannot change a retry', async () => {
    const { calls, handler } = recording((event, call) => {
      const first = event.Records[0];
      if (call === 0 && first) {
        first.kinesis.data = Buffer.from('tampered').toString('base64');
        return { batchItemFailures: [{ itemIdentifier: first.kinesis.sequenceNumber }] };
      }
      return {};
    });

    await runShard(new MemoryShard(payloads(2)), handler, { batchSize: 2 });

    expect(calls[1]).toStrictEqual(['r0', 'r1']);
  });

  it('keeps each shard in order while shards run side by side', async () => {
    const shards = [0, 1, 2].map(
      (s) =>
        new MemoryShard(
          Array.from({ length: 30 }, (_, i) => Buffer.from(`${s}:${i}`)),
          { shardId: `shardId-00000000000${s}` },
        ),
    );
    const seen = new Map<string, number[]>();

    const run = await runMapping(
      shards,
      (shard) => async (event) => {
        await new Promise((resolve) => setImmediate(resolve));
        const list = seen.get(shard.shardId) ?? [];
        for (const n of names(event)) list.push(Number(n.split(':')[1]));
        seen.set(shard.shardId, list);
      },
      { batchSize: 4 },
    );

    for (const shard of shards) {
      expect(seen.get(shard.shardId)).toStrictEqual(Array.from({ length: 30 }, (_, i) => i));
    }
    expect(run.stats.recordsCheckpointed).toBe(90);
  });

  it('reports every checkpoint move: whole batches, partial progress and give-ups', async () => {
    const shard = new MemoryShard(payloads(6));
    const moves: string[] = [];
    const { handler } = recording(failingOnce('r4', Number.POSITIVE_INFINITY));

    await runShard(shard, handler, {
      batchSize: 3,
      maxRetryAttempts: 0,
      onCheckpoint: (seq) => moves.push(seq),
    });

    // r0-r2 done; r3 done and r4-r5 given up after the partial failure.
    expect(moves).toStrictEqual([2, 3, 5].map((i) => shard.sequenceNumberAt(i)));
  });

  it('continues after a given checkpoint when asked to', async () => {
    const shard = new MemoryShard(payloads(5));
    const { calls, handler } = recording();

    await runShard(shard, handler, { startAfterSequenceNumber: shard.sequenceNumberAt(2) });

    expect(calls).toStrictEqual([['r3', 'r4']]);
  });
});

describe('mappingSettings', () => {
  it.each([
    [{ batchSize: 0 }, 'batchSize'],
    [{ batchSize: 10_001 }, 'batchSize'],
    [{ maxRetryAttempts: -2 }, 'maxRetryAttempts'],
    [{ maxRecordAgeSeconds: 59 }, 'maxRecordAgeSeconds'],
    [{ maxBatchingWindowMs: 300_001 }, 'maxBatchingWindowMs'],
    [{ maxPayloadBytes: 6 * 1024 * 1024 + 1 }, 'maxPayloadBytes'],
  ])('refuses %o as Lambda would', (options, name) => {
    expect(() => mappingSettings(options)).toThrow(name);
  });

  it("has Lambda's defaults and accepts -1 for unlimited retries and age", () => {
    expect(mappingSettings({ maxRetryAttempts: -1, maxRecordAgeSeconds: -1 })).toMatchObject({
      batchSize: 100,
      maxBatchingWindowMs: 0,
      bisectBatchOnError: false,
      maxRetryAttempts: -1,
      maxRecordAgeSeconds: -1,
      maxPayloadBytes: 6 * 1024 * 1024,
    });
  });
});
