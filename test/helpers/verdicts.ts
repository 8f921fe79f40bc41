import { expect } from 'vitest';
import type { DecodedSpans } from '../../lambda/formats/decoded.js';
import { checkSpan, type TraceIdRange } from '../../lambda/spans.js';

/**
 * A decoder's result without the verdicts it found while writing its spans (`checked`), once
 * each is shown to be exactly what lambda/spans.ts `checkSpan` answers for the span's bytes:
 * the same rejection, and for a valid span the same traceId range (the Kafka key).
 */
export function verified<T extends DecodedSpans | { ok: false }>(decoded: T): T {
  if (!decoded.ok) return decoded;
  return {
    ok: true,
    spans: (decoded as DecodedSpans & { ok: true }).spans.map((span) => {
      if (!span.ok || span.checked === undefined) return span;
      expect(span.checked).toEqual(checkedByParsing(span.bytes));
      return { ok: true, bytes: span.bytes };
    }),
  } as T;
}

/** What `checkSpan` finds; a rejected span's traceId range is not used, so any is accepted. */
function checkedByParsing(bytes: Buffer) {
  const traceId: TraceIdRange = { start: 0, end: 0 };
  const rejection = checkSpan(bytes, traceId);
  return rejection === undefined
    ? { rejection, traceStart: traceId.start, traceEnd: traceId.end }
    : { rejection, traceStart: expect.any(Number), traceEnd: expect.any(Number) };
}
