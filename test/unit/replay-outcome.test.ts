import { describe, expect, it } from 'vitest';
import type { Invocation } from '../../replay/invoke.js';
import { loggedError, readOutcome } from '../../replay/outcome.js';
import { parseTime } from '../../replay/select.js';
import { encodeSpan, kinesisEvent } from '../helpers/factories.js';

const { Records: records } = kinesisEvent([encodeSpan(), encodeSpan(), encodeSpan()]);
const answered = (response: unknown, more: Partial<Invocation> = {}): Invocation => ({
  functionError: undefined,
  response: typeof response === 'string' ? response : JSON.stringify(response),
  logTail: undefined,
  ...more,
});
const seq = (i: number) => records[i]?.kinesis.sequenceNumber as string;

describe('reading what the function answered for a replayed record set', () => {
  it('counts it stored only with an explicit empty batchItemFailures list', () => {
    expect(readOutcome(answered({ batchItemFailures: [] }), records)).toEqual({ kind: 'stored' });
  });

  it.each([
    ['null', null],
    ['{}', {}],
    ['a misspelt key', { batchItemFailure: [] }],
    ['not JSON', 'Task timed out'],
  ])('leaves it in place for %s, which Lambda itself would take for success', (_name, response) => {
    expect(readOutcome(answered(response), records)).toMatchObject({
      kind: 'not-stored',
      notStored: 3,
    });
  });

  it('counts the records from the earliest one named as not stored', () => {
    const outcome = readOutcome(
      answered({ batchItemFailures: [{ itemIdentifier: seq(2) }, { itemIdentifier: seq(1) }] }),
      records,
    );

    expect(outcome).toEqual({
      kind: 'not-stored',
      notStored: 2,
      reason: `2 of 3 records not stored, from sequence number ${seq(1)}`,
    });
  });

  it('takes an identifier outside the batch as a failure of all of it', () => {
    expect(
      readOutcome(answered({ batchItemFailures: [{ itemIdentifier: 'nope' }] }), records),
    ).toMatchObject({ kind: 'not-stored', notStored: 3, reason: expect.stringContaining('nope') });
  });

  it('gives the function error and what the function logged', () => {
    const logTail = [
      'START RequestId: 1 Version: $LATEST',
      '2026-08-20T01:00:00.000Z\t1\tERROR\t{"level":"ERROR","message":"Kafka did not acknowledge every message","errors":[{"name":"KafkaJSProtocolError","message":"This server does not host this topic-partition","type":"UNKNOWN_TOPIC_OR_PARTITION","hint":"create the topic"}]}',
      'END RequestId: 1',
    ].join('\n');

    const outcome = readOutcome(
      answered('{"errorType":"Error","errorMessage":"boom"}', {
        functionError: 'Unhandled',
        logTail,
      }),
      records,
    );

    expect(outcome).toEqual({
      kind: 'not-stored',
      notStored: 3,
      reason:
        'the function failed (Unhandled): Error: boom; the function logged: Kafka did not acknowledge every message (UNKNOWN_TOPIC_OR_PARTITION: This server does not host this topic-partition: create the topic)',
    });
    expect(loggedError('{"level":"INFO","message":"fine"}')).toBeUndefined();
  });
});

describe('--since and --until', () => {
  const now = Date.parse('2026-08-20T12:00:00Z');

  it.each([
    ['90m', '2026-08-20T10:30:00.000Z'],
    ['6h', '2026-08-20T06:00:00.000Z'],
    ['2d', '2026-08-18T12:00:00.000Z'],
    ['2026-08-19T23:00Z', '2026-08-19T23:00:00.000Z'],
    ['2026-08-19', '2026-08-19T00:00:00.000Z'],
  ])('take %s', (text, iso) => {
    expect(parseTime('since', text, now).toISOString()).toBe(iso);
  });

  it.each(['yesterday', '6 hours', '', '12'])('refuse %j', (text) => {
    expect(() => parseTime('since', text, now)).toThrow(`--since ${text}: expected`);
  });
});
