import { type CompressionRejection, inflateRecord } from './compression.js';
import type { DecodedSpans, Decoder, RecordRejection } from './decoded.js';
import { decodeHaystackBatch } from './haystack-batch.js';
import { decodeHaystackJson } from './haystack-json.js';
import { decodeHaystackSpan } from './haystack-span.js';
import { decodeOtlpJson } from './otlp-json.js';
import { decodeOtlpProto } from './otlp-proto.js';

/**
 * The input formats a deployment can read (`INPUT_FORMAT`), one per stream: records are not
 * sniffed for their format, because a Haystack span, a Batch and an OTLP request are all
 * plausible protobuf. Compression is the exception: its magic bytes cannot start any of them.
 */
export type InputFormat =
  | 'haystack-span'
  | 'haystack-batch'
  | 'haystack-json'
  | 'otlp-proto'
  | 'otlp-json';

export const INPUT_FORMATS: readonly InputFormat[] = [
  'haystack-span',
  'haystack-batch',
  'haystack-json',
  'otlp-proto',
  'otlp-json',
];

export const DECODERS: Readonly<Record<InputFormat, Decoder>> = {
  'haystack-span': decodeHaystackSpan,
  'haystack-batch': decodeHaystackBatch,
  'haystack-json': decodeHaystackJson,
  'otlp-proto': decodeOtlpProto,
  'otlp-json': decodeOtlpJson,
};

/** Every reason a whole user record is refused before validation. */
export type FormatRecordRejection = RecordRejection | CompressionRejection;

/**
 * One user record to the Haystack spans it holds: inflated first when gzip or zlib (at most
 * `maxDecompressedBytes`), then decoded as `format`. Never throws.
 */
export function decodeRecord(
  bytes: Buffer,
  format: InputFormat,
  maxDecompressedBytes: number,
): DecodedSpans | { ok: false; reason: FormatRecordRejection } {
  const inflated = inflateRecord(bytes, maxDecompressedBytes);
  if (!inflated.ok) return inflated;
  return DECODERS[format](inflated.bytes);
}
