import type { CheckedSpan } from '../spans.js';

/**
 * What an input-format decoder makes of one user record: the serialized Haystack `Span` of
 * every span the record holds (each then validated by spans.ts like any span), or why a span
 * or the whole record cannot be read.
 *
 * A record-level rejection means nothing in the record could be trusted (broken framing,
 * not JSON at all). A span-level one refuses that span alone, so the good spans of a
 * multi-span record are still produced.
 */

/** Why a whole record is refused: nothing in it can be read. */
export type RecordRejection =
  /** `haystack-batch`: the bytes do not parse as a Haystack `Batch`. */
  | 'undecodable-batch'
  /** `haystack-json`: the bytes are not UTF-8 JSON, or not a span object / array of them. */
  | 'undecodable-json'
  /** `otlp-proto` / `otlp-json`: not an `ExportTraceServiceRequest` (framing, JSON or shape). */
  | 'undecodable-otlp'
  /** A well-formed record that holds no span at all (an empty Batch, array or request). */
  | 'no-spans';

/** Why one span of a multi-span record is refused; its siblings are unaffected. */
export type SpanFormatRejection =
  /** `haystack-json`: a span object with a field of the wrong type (see lambda/formats/haystack-json.ts). */
  | 'invalid-json-span'
  /** OTLP: a span that does not decode, or whose ids are not 16 / 8 bytes. */
  | 'invalid-otlp-span';

/**
 * One span of a record: its Haystack `Span` bytes (with their verdict when the decoder found it
 * while writing them), or why it is refused.
 */
export type DecodedSpan =
  | { ok: true; bytes: Buffer; checked?: CheckedSpan }
  | { ok: false; reason: SpanFormatRejection };

/** The spans of one record in order, or the reason the whole record is refused. */
export type DecodedSpans =
  | { ok: true; spans: DecodedSpan[] }
  | { ok: false; reason: RecordRejection };

/** Decodes one (already decompressed) user record; never throws. */
export type Decoder = (bytes: Buffer) => DecodedSpans;

/** The spans of a record, or `no-spans` when there are none: an empty record is never silently dropped. */
export function spansOrEmpty(spans: DecodedSpan[]): DecodedSpans {
  return spans.length > 0 ? { ok: true, spans } : { ok: false, reason: 'no-spans' };
}
