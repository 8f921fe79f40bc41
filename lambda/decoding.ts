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
    for (const [spanIndex, span] of decoded.spans.entries()) {
      const at = multi ? { ...record, spanIndex } : record;
      if (span.ok) spans.push({ ...at, data: span.bytes });
      else rejected.push({ ...at, reason: span.reason });
    }
  }
  return spans;
}
