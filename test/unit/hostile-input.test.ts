import { createHash } from 'node:crypto';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import fc from 'fast-check';
import { Writer } from 'protobufjs/minimal.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { sequenceNumberOf } from '../../lambda/failures.js';
import { deaggregate } from '../../lambda/kpl.js';
import { readRecords } from '../../lambda/records.js';
import { checkSpan, MIN_START_TIME_MICROS, type TraceIdRange } from '../../lambda/spans.js';
import { Span } from '../../proto/haystack.generated.js';
import { AggregatedRecord } from '../../proto/kpl.generated.js';
import { encodeSpan, kinesisRecord, kplAggregate, lambdaContext } from '../helpers/factories.js';
import { handlerModule, offlineConfig, recordingProducer } from '../helpers/handler.js';

/**
 * Hostile input, property-based: whatever the bytes or the event, nothing throws, nothing is
 * allocated in proportion to a length that was claimed but not present, and every record is
 * accounted for (produced, dead-lettered, or named for re-delivery).
 */

const range = (): TraceIdRange => ({ start: 0, end: 0 });

/** What the scanner accepts must be a span protobufjs decodes, and the rules must hold on it. */
function assertSoundVerdict(bytes: Uint8Array): void {
  const traceId = range();
  const reason = checkSpan(bytes, traceId);
  if (reason !== undefined) return;
  const span = Span.decode(bytes);
  expect(Buffer.from(bytes.subarray(traceId.start, traceId.end)).toString('utf8')).toBe(
    span.traceId,
  );
  expect(span.traceId && span.spanId && span.serviceName && span.operationName).toBeTruthy();
  expect(Number(span.startTime)).toBeGreaterThanOrEqual(MIN_START_TIME_MICROS);
  expect(Number(span.duration)).toBeGreaterThanOrEqual(0);
}

const realSpan = fc
  .record({
    traceId: fc.string({ maxLength: 40 }),
    spanId: fc.string({ maxLength: 20 }),
    serviceName: fc.string({ maxLength: 20 }),
    operationName: fc.string({ maxLength: 20 }),
    startTime: fc.oneof(
      fc.constant(MIN_START_TIME_MICROS),
      fc.integer({ min: -1e9, max: 2 ** 52 }),
    ),
    duration: fc.integer({ min: -1000, max: 1e9 }),
  })
  .map((fields) => encodeSpan(fields));

describe('checkSpan on hostile bytes', () => {
  it('never throws on arbitrary bytes, and accepts only what really decodes and obeys the rules', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => assertSoundVerdict(bytes)),
      { numRuns: 5000 },
    );
  });

  it('never throws on truncated or bit-flipped real spans', () => {
    fc.assert(
      fc.property(
        realSpan,
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        (span, cut, at, bit) => {
          assertSoundVerdict(span.subarray(0, cut % (span.length + 1)));
          const flipped = Buffer.from(span);
          const index = at % flipped.length;
          flipped[index] = (flipped[index] as number) ^ (1 << bit);
          assertSoundVerdict(flipped);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('refuses absurd length prefixes without allocating what they claim', () => {
    const before = process.memoryUsage();
    for (const claimed of [2 ** 31 - 1, 2 ** 32 - 1, 2 ** 35, Number.MAX_SAFE_INTEGER]) {
      for (const field of [1, 4, 8, 9, 20]) {
        const bytes = Buffer.concat([
          encodeSpan(),
          new Writer()
            .uint32((field << 3) | 2)
            .uint64(claimed)
            .finish(),
          Buffer.from('tiny'),
        ]);
        for (let i = 0; i < 200; i++) expect(checkSpan(bytes, range())).toBe('undecodable');
      }
    }
    const after = process.memoryUsage();
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(16 * 1024 * 1024);
    expect(after.rss - before.rss).toBeLessThan(256 * 1024 * 1024);
  });

  it('handles huge repeated fields: 200,000 tags in one span', () => {
    const writer = new Writer();
    for (let i = 0; i < 200_000; i++)
      writer
        .uint32((9 << 3) | 2)
        .fork()
        .uint32((1 << 3) | 2)
        .string(`k${i}`)
        .ldelim();
    const bytes = Buffer.concat([encodeSpan(), writer.finish()]);

    expect(checkSpan(bytes, range())).toBeUndefined();
  });

  it('limits nested groups to Java’s recursion depth instead of overflowing the stack', () => {
    // 100,000 start-group tags of field 15, each opening a group inside the previous one.
    const groups = Buffer.alloc(100_000, (15 << 3) | 3);

    expect(checkSpan(Buffer.concat([encodeSpan(), groups]), range())).toBe('undecodable');
  });
});

describe('KPL de-aggregation of hostile aggregates', () => {
  const frame = (body: Uint8Array) =>
    Buffer.concat([
      Buffer.from([0xf3, 0x89, 0x9a, 0xc2]),
      body,
      createHash('md5').update(body).digest(),
    ]);

  it('never throws, and every sub-record it yields lies inside the aggregate', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (body) => {
        const aggregate = frame(body);
        const out: Buffer[] = [];
        const reason = deaggregate(aggregate, out);
        if (reason !== undefined) expect(out).toEqual([]);
        for (const part of out) {
          expect(part.buffer).toBe(aggregate.buffer);
          expect(part.byteOffset + part.length).toBeLessThanOrEqual(
            aggregate.byteOffset + aggregate.length - 16,
          );
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('refuses a record claiming 4 GB of data', () => {
    const body = new Writer()
      .uint32((3 << 3) | 2)
      .fork()
      .uint32((3 << 3) | 2)
      .uint32(2 ** 32 - 1)
      .ldelim()
      .finish();

    expect(deaggregate(frame(body), [])).toBe('kpl-malformed');
  });

  it('unpacks an aggregate of 100,000 tiny records', () => {
    const body = AggregatedRecord.encode({
      partitionKeyTable: ['pk'],
      records: Array.from({ length: 100_000 }, (_, i) => ({
        partitionKeyIndex: 0,
        data: Buffer.from([i & 0xff]),
      })),
    }).finish();
    const aggregate = frame(body);
    const out: Buffer[] = [];

    expect(deaggregate(aggregate, out)).toBeUndefined();
    expect(out).toHaveLength(100_000);
  });
});

// ---- the handler on hostile events ----

let createHandler: typeof import('../../lambda/handler.js').createHandler;

beforeAll(async () => {
  ({ createHandler } = await handlerModule());
});

/** Acknowledgement of the i-th message: `acks` cycled, all acknowledged when empty. */
const ackOf = (acks: readonly boolean[], i: number) =>
  acks.length === 0 || (acks[i % acks.length] as boolean);

const hostileRecord: fc.Arbitrary<unknown> = fc.oneof(
  realSpan.map((span) => kinesisRecord(span)),
  fc.array(realSpan, { maxLength: 4 }).map((spans) => kinesisRecord(kplAggregate(spans))),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => kinesisRecord(bytes)),
  fc.string({ maxLength: 40 }).map((text) => ({
    ...kinesisRecord(Buffer.from('x')),
    kinesis: { ...kinesisRecord(Buffer.from('x')).kinesis, data: text },
  })),
  fc.constantFrom(
    null,
    undefined,
    42,
    'record',
    [],
    {},
    { kinesis: null },
    { kinesis: { data: 5 } },
    { kinesis: { data: 'AAAA' } },
  ),
  fc.anything(),
);

describe('handler on hostile events', () => {
  it('never throws, and accounts for every record: stored, dead-lettered or named for re-delivery', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(hostileRecord, { maxLength: 25 }),
        fc.array(fc.boolean(), { maxLength: 7 }),
        async (raw, acks) => {
          // Sequence numbers in order, as one shard delivers them, wherever the record has a place for one.
          const records = raw.map((record, i) => {
            const kinesis = (record as { kinesis?: unknown } | null)?.kinesis;
            if (kinesis && typeof kinesis === 'object' && 'sequenceNumber' in kinesis) {
              return {
                ...(record as KinesisStreamRecord),
                kinesis: { ...(kinesis as object), sequenceNumber: String(1000 + i) },
              };
            }
            return record;
          }) as KinesisStreamRecord[];
          const { producer, sent } = recordingProducer((_, i) => !ackOf(acks, i));

          const response = await createHandler(offlineConfig(), producer)(
            { Records: records } as KinesisStreamEvent,
            lambdaContext(),
          );

          const { userRecords, rejected } = readRecords(records);
          const unpacked = new Set([...userRecords, ...rejected].map((r) => r.recordIndex));
          const accounted = new Set(sent.map((m) => m.recordIndex));
          for (const i of unpacked) expect(accounted.has(i), `record ${i}`).toBe(true);
          const unacked = new Set(sent.filter((_, i) => !ackOf(acks, i)).map((m) => m.recordIndex));
          const unnamed = [...unacked].filter((i) => sequenceNumberOf(records, i) === undefined);
          if (unacked.size === 0) {
            expect(response).toStrictEqual({ batchItemFailures: [] });
          } else if (unnamed.length > 0) {
            // A record without a sequence number cannot be placed: the whole batch comes back.
            expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: '' }] });
          } else {
            // Sequence numbers follow positions here, so the earliest is the lowest position.
            const itemIdentifier = sequenceNumberOf(records, Math.min(...unacked));
            expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier }] });
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
