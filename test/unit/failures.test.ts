import { describe, expect, it } from 'vitest';
import { batchResponse, earliestUnacknowledged } from '../../lambda/failures.js';
import type { OutgoingMessage } from '../../lambda/messages.js';
import { kinesisEvent } from '../helpers/factories.js';

const message = (recordIndex: number): OutgoingMessage => ({
  recordIndex,
  kind: 'span',
  topic: 't',
  key: Buffer.from('k'),
  value: Buffer.from('v'),
});

describe('earliestUnacknowledged', () => {
  const { Records } = kinesisEvent(Array.from({ length: 6 }, () => Buffer.from('x')));

  it('is undefined when every message was acknowledged, or there were none', () => {
    expect(earliestUnacknowledged([message(0), message(1)], [true, true], Records)).toBeUndefined();
    expect(earliestUnacknowledged([], [], Records)).toBeUndefined();
  });

  it('names the lowest record with any unacknowledged message, wherever it sits in the list', () => {
    // Messages of records 3 and 1 failed; record 1 is earliest even though it comes later.
    const messages = [message(0), message(3), message(2), message(1), message(1)];

    expect(earliestUnacknowledged(messages, [true, false, true, true, false], Records)).toBe(1);
  });

  it('names a record when only one of its sub-records failed', () => {
    const acknowledged = [true, false, true];
    expect(
      earliestUnacknowledged([message(4), message(4), message(5)], acknowledged, Records),
    ).toBe(4);
  });

  it('chooses by sequence number, compared as big integers, not by position in the event', () => {
    // Positions 0-2 hold sequence numbers out of order, and beyond 2^53 Numbers would tie.
    const sequenceNumbers = [
      '49590338271490256608559692540925702759324208523137515618',
      '9999999999999999999999999999999999999999999999999999999',
      '49590338271490256608559692540925702759324208523137515617',
    ];
    const records = sequenceNumbers.map((sequenceNumber, i) => {
      const record = structuredClone(Records[i] as (typeof Records)[number]);
      record.kinesis.sequenceNumber = sequenceNumber;
      return record;
    });
    const messages = [message(0), message(1), message(2)];

    expect(earliestUnacknowledged(messages, [false, true, false], records)).toBe(2);
    expect(earliestUnacknowledged(messages, [false, false, false], records)).toBe(1);
  });

  it('names a record whose sequence number cannot be read, so that Lambda retries the whole batch', () => {
    const records = Records.slice(0, 2).map((r) => structuredClone(r));
    (records[1] as (typeof records)[number]).kinesis.sequenceNumber = 'not-a-number';

    expect(earliestUnacknowledged([message(0), message(1)], [false, false], records)).toBe(1);
    expect(batchResponse(records, 1)).toStrictEqual({
      batchItemFailures: [{ itemIdentifier: 'not-a-number' }],
    });
  });
});

describe('batchResponse', () => {
  const { Records } = kinesisEvent([Buffer.from('a'), Buffer.from('b'), Buffer.from('c')]);

  it('answers success with an empty batchItemFailures list', () => {
    expect(batchResponse(Records, undefined)).toStrictEqual({ batchItemFailures: [] });
  });

  it('names exactly the failed record by its sequence number', () => {
    expect(batchResponse(Records, 1)).toStrictEqual({
      batchItemFailures: [{ itemIdentifier: Records[1]?.kinesis.sequenceNumber }],
    });
  });
});
