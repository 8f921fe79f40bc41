import { readLength, readVarint, skipField, varint, WIRE_LEN } from '../wire.js';
import { type DecodedSpan, type DecodedSpans, spansOrEmpty } from './decoded.js';

/** haystack-idl `Batch.spans = 1` (repeated Span). */
const BATCH_SPANS = 1;

/**
 * `haystack-batch`: the record is one Haystack `Batch`, `message Batch { repeated Span spans = 1; }`.
 * Each span is returned as a view into the record (`subarray`, no copy and no re-encoding), in
 * order, to be validated like a single span; each is keyed by its own traceId downstream.
 *
 * Only the Batch's own framing is read here: a span's content is spans.ts' business, so one bad
 * span is refused alone. Broken framing refuses the record as `undecodable-batch`, as a
 * protobuf parser would refuse the whole Batch. Unknown fields are skipped, as Java does.
 */
export function decodeHaystackBatch(bytes: Buffer): DecodedSpans {
  const spans: DecodedSpan[] = [];
  const end = bytes.length;
  let pos = 0;
  while (pos < end) {
    pos = readVarint(bytes, pos, end);
    if (pos < 0) return { ok: false, reason: 'undecodable-batch' };
    const field = varint.lo >>> 3;
    const wireType = varint.lo & 7;
    if (field === 0) return { ok: false, reason: 'undecodable-batch' };
    if (field === BATCH_SPANS && wireType === WIRE_LEN) {
      pos = readLength(bytes, pos, end);
      if (pos < 0) return { ok: false, reason: 'undecodable-batch' };
      const spanEnd = pos + varint.lo;
      spans.push({ ok: true, bytes: bytes.subarray(pos, spanEnd) });
      pos = spanEnd;
    } else {
      pos = skipField(bytes, pos, end, field, wireType);
      if (pos < 0) return { ok: false, reason: 'undecodable-batch' };
    }
  }
  return spansOrEmpty(spans);
}
