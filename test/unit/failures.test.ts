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
  it('is undefined when every message was acknowledged, or there were none', () => {
    expect(earliestUnacknowledged([message(0), message(1)], [true, true])).toBeUndefined();
    expect(earliestUnacknowledged([], [])).toBeUndefined();
  });

  it('names the lowest record with any unacknowledged message, wherever it sits in the list', () => {
    // Messages of records 3 and 1 failed; record 1 is earliest even though it comes later.
    const messages = [message(0), message(3), message(2), message(1), message(1)];

    expect(earliestUnacknowledged(messages, [true, false, true, true, false])).toBe(1);
  });

  it('names a record when only one of its sub-records failed', () => {
    expect(earliestUnacknowledged([message(4), message(4), message(5)], [true, false, true])).toBe(
      4,
    );
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
