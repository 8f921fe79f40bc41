import { DeadLetterHeader } from '../../lambda/dead-letters.js';
import type { MemoryRecordInput } from '../../local/esm/index.js';
import { encodeSpan, kplAggregate } from './factories.js';

/** One record of a mixed stream and what the collector must make of it. */
export interface MixedRecord {
  input: MemoryRecordInput;
  /** Spans that must reach the span topic (bytes as put). */
  valid: Buffer[];
  /** Refused user records: sub-record index -> the reason their dead letter must carry. */
  invalid: Map<number, string>;
}

/**
 * The record at `position` of a stream like production's: most records are one valid span;
 * every 10th is a KPL aggregate of 5 spans with one invalid; every 13th an invalid span;
 * every 97th not a span at all. Trace ids repeat every 4099 positions.
 */
export function mixedRecord(position: number): MixedRecord {
  const traceId = `trace-${position % 4099}`;
  if (position % 10 === 0) {
    const subs = Array.from({ length: 5 }, (_, sub) =>
      sub === 2 ? encodeSpan({ traceId, spanId: '' }) : encodeSpan({ traceId }),
    );
    return {
      input: { data: kplAggregate(subs), partitionKey: traceId },
      valid: subs.filter((_, sub) => sub !== 2),
      invalid: new Map([[2, 'missing-span-id']]),
    };
  }
  if (position % 97 === 0) {
    return {
      input: { data: Buffer.from(`not a span ${position}`), partitionKey: traceId },
      valid: [],
      invalid: new Map([[0, 'undecodable']]),
    };
  }
  if (position % 13 === 0) {
    return {
      input: { data: encodeSpan({ traceId, startTime: 1_764_000_000_000 }), partitionKey: traceId },
      valid: [],
      invalid: new Map([[0, 'start-time-not-micros']]),
    };
  }
  const data = encodeSpan({ traceId });
  return { input: { data, partitionKey: traceId }, valid: [data], invalid: new Map() };
}

/**
 * Dead letters read back, as `"<position>/<sub-record>"` -> reason, the position taken from the
 * `kinesis.sequenceNumber` header (a MemoryShard's sequence numbers end in the position).
 */
export function deadLetterReasons(
  letters: ReadonlyArray<{ headers: Record<string, unknown> }>,
): Map<string, string> {
  const reasons = new Map<string, string>();
  for (const { headers } of letters) {
    const text = (name: string) => String(headers[name] ?? '');
    const position = Number(text(DeadLetterHeader.sequenceNumber).slice(4));
    const sub = text(DeadLetterHeader.subSequenceNumber);
    reasons.set(`${position}/${sub}`, text(DeadLetterHeader.reason));
  }
  return reasons;
}
