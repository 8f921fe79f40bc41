import { hash } from 'node:crypto';

/**
 * Haystack's string ids as OTLP's 16-byte trace ids and 8-byte span ids (docs/haystack-to-otlp.md,
 * "Ids"). One rule per shape, so every span of a Haystack trace lands in one OTLP trace and a
 * parent id always names the span whose span id it is:
 *
 * | Haystack id | trace id (16 bytes) | span id (8 bytes) |
 * | --- | --- | --- |
 * | UUID (`8-4-4-4-12` hex digits, any case) | its 16 bytes | SHA-256 of the text, first 8 bytes |
 * | 32 hex digits, any case | as is | SHA-256, first 8 bytes |
 * | 16 hex digits, any case | 8 zero bytes, then as is (OpenTelemetry's rule for 64-bit trace ids) | as is |
 * | anything else | SHA-256 of the UTF-8 text, first 16 bytes | SHA-256, first 8 bytes |
 *
 * An id that would be all zero (W3C's invalid id) is hashed instead; an all-zero or empty
 * parent id is a root span (no parent). Whenever the Haystack text is not exactly the lowercase
 * hex of its OTLP id, the span carries the text as an attribute (`haystack.trace_id`,
 * `haystack.span_id`, `haystack.parent_span_id`), which the OTLP input formats read back: the
 * ids of a span survive the round trip exactly, whatever their shape.
 */

/** Attribute keys that keep a Haystack id whose text the OTLP id does not spell. */
export const ID_ATTRIBUTES = {
  traceId: 'haystack.trace_id',
  spanId: 'haystack.span_id',
  parentSpanId: 'haystack.parent_span_id',
} as const;

const HEX32 = /^[0-9a-fA-F]{32}$/;
const HEX16 = /^[0-9a-fA-F]{16}$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** The OTLP trace id (16 bytes) of a non-empty Haystack trace id. */
export function otlpTraceId(text: string): Buffer {
  let id: Buffer | undefined;
  if (text.length === 36 && UUID.test(text)) id = Buffer.from(text.replaceAll('-', ''), 'hex');
  else if (text.length === 32 && HEX32.test(text)) id = Buffer.from(text, 'hex');
  else if (text.length === 16 && HEX16.test(text)) {
    id = Buffer.alloc(16);
    id.write(text, 8, 'hex');
  }
  return id === undefined || isZero(id) ? hashed(text, 16) : id;
}

/** The OTLP span id (8 bytes) of a non-empty Haystack span id. */
export function otlpSpanId(text: string): Buffer {
  const id = text.length === 16 && HEX16.test(text) ? Buffer.from(text, 'hex') : undefined;
  return id === undefined || isZero(id) ? hashed(text, 8) : id;
}

/** The OTLP parent span id: empty for a root span (an empty or all-zero Haystack parent id). */
export function otlpParentSpanId(text: string): Buffer {
  if (text === '' || (text.length === 16 && /^0{16}$/.test(text))) return EMPTY;
  return otlpSpanId(text);
}

/** True when the OTLP id spells the Haystack id exactly (lowercase hex), so no attribute is needed. */
export function spellsId(id: Buffer, text: string): boolean {
  return text.length === id.length * 2 && id.toString('hex') === text;
}

const EMPTY = Buffer.alloc(0);

/** SHA-256 of the UTF-8 text, first `bytes` bytes (one-shot `crypto.hash`: a third of `createHash`'s cost). */
function hashed(text: string, bytes: number): Buffer {
  return (hash('sha256', text, 'buffer') as Buffer).subarray(0, bytes);
}

function isZero(id: Buffer): boolean {
  for (const b of id) if (b !== 0) return false;
  return true;
}
