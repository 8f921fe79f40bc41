import { describe, expect, it } from 'vitest';
import { planRequests } from '../../lambda/kafka/producer.js';
import {
  BATCH_OVERHEAD_BYTES,
  messageBytes,
  type OutgoingMessage,
  spanMessages,
} from '../../lambda/messages.js';
import { SpanOutputs } from '../../lambda/outputs/span-outputs.js';
import type { Rejected } from '../../lambda/rejections.js';
import { checkSpans } from '../../lambda/spans.js';
import { encodeSpan } from '../helpers/factories.js';

function validSpans(...payloads: Buffer[]) {
  return new SpanOutputs(
    checkSpans(
      payloads.map((data, recordIndex) => ({ recordIndex, subIndex: 0, data })),
      [],
    ),
  );
}

describe('spanMessages', () => {
  it('keys each span by its traceId bytes and sends its bytes exactly as received', () => {
    const bytes = encodeSpan({ traceId: 'trace-42' });
    const rejected: Rejected[] = [];

    const [message] = spanMessages(validSpans(bytes), 'proto-spans', 'proto', 1_000_000, rejected);

    expect(message?.topic).toBe('proto-spans');
    expect(message?.key?.toString()).toBe('trace-42');
    expect(message?.value).toBe(bytes);
    expect(message?.recordIndex).toBe(0);
    expect(rejected).toEqual([]);
  });

  it('refuses a span too large for any produce request instead of failing forever', () => {
    const big = encodeSpan({ operationName: 'x'.repeat(5000) });
    const small = encodeSpan();
    const rejected: Rejected[] = [];

    const messages = spanMessages(validSpans(big, small), 't', 'proto', 4096, rejected);

    expect(messages.map((m) => m.recordIndex)).toEqual([1]);
    expect(rejected).toEqual([{ recordIndex: 0, subIndex: 0, data: big, reason: 'too-large' }]);
  });
});

describe('planRequests', () => {
  const sized = (recordIndex: number, valueBytes: number): OutgoingMessage => ({
    recordIndex,
    kind: 'span',
    topic: 't',
    key: Buffer.from('k'),
    value: Buffer.alloc(valueBytes),
  });

  it('puts everything in one request when it fits', () => {
    expect(planRequests([sized(0, 100), sized(1, 100)], 10_000)).toEqual([[0, 2]]);
  });

  it('cuts in order so that no request exceeds the limit', () => {
    const messages = Array.from({ length: 10 }, (_, i) => sized(i, 300));
    const limit = BATCH_OVERHEAD_BYTES + 3 * messageBytes(sized(0, 300));

    const requests = planRequests(messages, limit);

    expect(requests).toEqual([
      [0, 3],
      [3, 6],
      [6, 9],
      [9, 10],
    ]);
  });

  it('gives an oversized message a request of its own rather than dropping it', () => {
    expect(planRequests([sized(0, 10), sized(1, 5000), sized(2, 10)], 1000)).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
  });

  it('starts a new request where the topic changes', () => {
    const spans = [sized(0, 10), sized(2, 10)];
    const letters = [{ ...sized(1, 10), topic: 'dlq' }];

    expect(planRequests([...spans, ...letters], 10_000)).toEqual([
      [0, 2],
      [2, 3],
    ]);
  });

  it('plans nothing for no messages', () => {
    expect(planRequests([], 1000)).toEqual([]);
  });
});
