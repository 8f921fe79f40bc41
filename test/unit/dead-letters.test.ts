import { describe, expect, it } from 'vitest';
import { DeadLetterHeader, deadLetters } from '../../lambda/dead-letters.js';
import { BATCH_OVERHEAD_BYTES, messageBytes, type OutgoingMessage } from '../../lambda/messages.js';
import type { Rejected } from '../../lambda/rejections.js';
import { kinesisRecord } from '../helpers/factories.js';

const records = [
  kinesisRecord(Buffer.from('a'), {
    position: 0,
    partitionKey: 'trace-a',
    arrival: 1_764_000_000.25,
  }),
  kinesisRecord(Buffer.from('b'), {
    position: 1,
    partitionKey: 'trace-b',
    shardId: 'shardId-000000000007',
  }),
];

describe('deadLetters', () => {
  it('keeps the bytes as received and says why and where from', () => {
    const data = Buffer.from([1, 2, 3]);
    const rejected: Rejected[] = [
      { recordIndex: 0, subIndex: 4, reason: 'missing-trace-id', data },
    ];

    const [letter] = deadLetters(rejected, records, 'proto-spans-dlq', 1_000_000);

    expect(letter).toEqual({
      recordIndex: 0,
      kind: 'dead-letter',
      topic: 'proto-spans-dlq',
      key: Buffer.from('trace-a'),
      value: data,
      headers: {
        [DeadLetterHeader.reason]: 'missing-trace-id',
        [DeadLetterHeader.streamArn]: records[0]?.eventSourceARN,
        [DeadLetterHeader.shardId]: 'shardId-000000000000',
        [DeadLetterHeader.sequenceNumber]: records[0]?.kinesis.sequenceNumber,
        [DeadLetterHeader.subSequenceNumber]: '4',
        [DeadLetterHeader.partitionKey]: 'trace-a',
        [DeadLetterHeader.arrivalTime]: '1764000000250',
      },
    });
    expect(letter?.value).toBe(data);
  });

  it('says which span of a multi-span record was refused', () => {
    const rejected: Rejected[] = [
      {
        recordIndex: 1,
        subIndex: 0,
        spanIndex: 3,
        reason: 'invalid-otlp-span',
        data: Buffer.from('x'),
      },
    ];

    const [letter] = deadLetters(rejected, records, 'dlq', 1_000_000);

    expect(letter?.headers?.[DeadLetterHeader.spanIndex]).toBe('3');
  });

  it('orders letters by record, whatever order the refusals came in', () => {
    const rejected: Rejected[] = [
      { recordIndex: 1, subIndex: 0, reason: 'undecodable', data: Buffer.from('x') },
      { recordIndex: 0, subIndex: 1, reason: 'too-large', data: Buffer.from('y') },
    ];

    const letters = deadLetters(rejected, records, 'dlq', 1_000_000);

    expect(letters.map((l) => [l.recordIndex, l.headers?.[DeadLetterHeader.shardId]])).toEqual([
      [0, 'shardId-000000000000'],
      [1, 'shardId-000000000007'],
    ]);
  });

  it('keeps a malformed event record as the JSON Lambda delivered, without a key', () => {
    const malformed = { kinesis: { sequenceNumber: '5' }, eventID: 'x' };
    const rejected: Rejected[] = [
      { recordIndex: 0, subIndex: 0, reason: 'malformed-event', data: Buffer.alloc(0) },
    ];

    const [letter] = deadLetters(rejected, [malformed as never], 'dlq', 1_000_000);

    expect(JSON.parse(letter?.value.toString() ?? '')).toEqual(malformed);
    expect(letter?.key).toBeNull();
    expect(letter?.headers?.[DeadLetterHeader.sequenceNumber]).toBe('5');
  });

  it('cuts a value too large for any request to fit, recording its real length', () => {
    const huge = Buffer.alloc(50_000, 7);
    const rejected: Rejected[] = [{ recordIndex: 1, subIndex: 0, reason: 'too-large', data: huge }];

    const [letter] = deadLetters(rejected, records, 'dlq', 10_000) as [OutgoingMessage];

    expect(letter.headers?.[DeadLetterHeader.truncatedFrom]).toBe('50000');
    expect(messageBytes(letter) + BATCH_OVERHEAD_BYTES).toBeLessThanOrEqual(10_000);
    expect(letter.value.length).toBeGreaterThan(9_000);
    expect(letter.value.equals(huge.subarray(0, letter.value.length))).toBe(true);
  });
});
