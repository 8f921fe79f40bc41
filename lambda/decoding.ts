import type { FormatSettings } from './config-formats.js';
import { compressionOf } from './formats/compression.js';
import { decodeRecord } from './formats/decoders.js';
import type { UserRecord } from './records.js';
import type { Rejected } from './rejections.js';

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
    const compressed = compressionOf(record.data) !== 'none';
    if (!compressed && settings.inputFormat === 'haystack-span') {
      spans.push(record);
      continue;
    }
    if (compressed) counts.decompressed++;
    const decoded = decodeRecord(record.data, settings.inputFormat, settings.maxDecompressedBytes);
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
        spans.push(
          multi
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
