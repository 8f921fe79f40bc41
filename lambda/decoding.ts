import type { FormatSettings } from './config-formats.js';
import { compressionOf } from './formats/compression.js';
import type { DecodedSpans } from './formats/decoded.js';
import { DECODERS, decodeRecord, type InputFormat } from './formats/decoders.js';
import type { UserRecord } from './records.js';
import type { Rejected } from './rejections.js';
import { checkSpan } from './spans.js';

/** What {@link decodeUserRecords} counted, for metrics. */
export interface DecodingCounts {
  /** User records that were gzip or zlib. */
  decompressed: number;
}

/**
 * User records -> serialized Haystack spans, per the deployment's `INPUT_FORMAT`: gzip/zlib
 * records are inflated (bounded), then a `Batch`, JSON or OTLP record is split into its spans.
 * A record that cannot be read at all is refused whole (its bytes as received); one bad span of
 * a multi-span record is refused alone, and its siblings go on.
 *
 * The default, one plain `Span` per record, passes each record through as the same object.
 */
export function decodeUserRecords(
  userRecords: readonly UserRecord[],
  settings: Pick<FormatSettings, 'inputFormat' | 'maxDecompressedBytes'>,
  rejected: Rejected[],
  counts: DecodingCounts,
): UserRecord[] {
  const spans: UserRecord[] = [];
  for (const record of userRecords) {
    let compressed = compressionOf(record.data) !== 'none';
    if (!compressed && settings.inputFormat === 'haystack-span') {
      spans.push(record);
      continue;
    }
    let decoded = decodeRecord(record.data, settings.inputFormat, settings.maxDecompressedBytes);
    if (!decoded.ok && decoded.reason === 'bad-compression') {
      const plain = readUncompressed(record.data, settings.inputFormat);
      if (plain) {
        compressed = false;
        decoded = plain;
      }
    }
    if (compressed) counts.decompressed++;
    if (!decoded.ok) {
      rejected.push({ ...record, reason: decoded.reason });
      continue;
    }
    // Span indexes are only worth a header when a record can hold several spans.
    const multi = settings.inputFormat !== 'haystack-span';
    const { recordIndex, subIndex } = record;
    for (let spanIndex = 0; spanIndex < decoded.spans.length; spanIndex++) {
      const span = decoded.spans[spanIndex] as (typeof decoded.spans)[number];
      // Literal objects of one shape: this runs once per span of every multi-span record.
      if (span.ok) {
        const { checked } = span;
        spans.push(
          checked
            ? { recordIndex, subIndex, spanIndex, data: span.bytes, checked }
            : multi
              ? { recordIndex, subIndex, spanIndex, data: span.bytes }
              : { recordIndex, subIndex, data: span.bytes },
        );
      } else {
        rejected.push(
          multi
            ? { recordIndex, subIndex, spanIndex, reason: span.reason, data: record.data }
            : { recordIndex, subIndex, reason: span.reason, data: record.data },
        );
      }
    }
  }
  return spans;
}

/**
 * A record that starts like zlib (`78 01`, `78 5E`, `78 9C`, `78 DA`) but does not inflate may
 * be a plain protobuf whose first field is an unknown field 15 with a varint (tag `0x78`):
 * Java's proto3 parser skips that field, so the original collector accepted such a span. When
 * the bytes read as the format uncompressed (for a span: they parse as a `Span`, whatever the
 * validation rules then say), they are taken as they are.
 */
function readUncompressed(bytes: Buffer, format: InputFormat): DecodedSpans | undefined {
  if (format === 'haystack-span') {
    return checkSpan(bytes, { start: 0, end: 0 }) === 'undecodable'
      ? undefined
      : { ok: true, spans: [{ ok: true, bytes }] };
  }
  const decoded = DECODERS[format](bytes);
  return decoded.ok ? decoded : undefined;
}
