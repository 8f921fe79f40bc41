import type { SpanFormatRejection } from './formats/decoded.js';
import type { FormatRecordRejection } from './formats/decoders.js';
import type { KplRejection } from './kpl.js';
import type { SpanRejection } from './spans.js';

/**
 * Every reason a user record is permanently refused. A rejection is never reported as a batch
 * failure: retrying cannot change the bytes, and naming it would block the shard until the
 * record expires. It is counted, logged, and never silently dropped.
 */
export type Reason =
  /** The Kinesis record lacks `kinesis.data` or `kinesis.sequenceNumber`. */
  | 'malformed-event'
  /** `kinesis.data` is not canonical base64. */
  | 'bad-base64'
  | KplRejection
  /** The record is not in the configured `INPUT_FORMAT`, or its compression is broken or too large. */
  | FormatRecordRejection
  /** One span of a multi-span record cannot be converted (its siblings go on). */
  | SpanFormatRejection
  | SpanRejection
  /** The span with its key is larger than one produce request may carry (`KAFKA_MAX_BATCH_BYTES`). */
  | 'too-large'
  /** OTLP output only: a time OTLP's unsigned nanoseconds cannot hold (after the year 2554). */
  | 'unmappable-otlp';

/** A user record refused for good, with where it came from and its bytes as received. */
export interface Rejected {
  /** Position of the Kinesis record in the event. */
  recordIndex: number;
  /** Position within its KPL aggregate; 0 for a plain record. */
  subIndex: number;
  /** Position of the span within a multi-span record (Batch, JSON array, OTLP request). */
  spanIndex?: number;
  reason: Reason;
  /** The bytes as received (empty when there were none to read); for a refused span of a
   *  multi-span record, the whole record as received. */
  data: Buffer;
  /** For a KPL sub-record: its aggregate and partition key index (see records.ts). */
  aggregate?: Buffer;
  keyIndex?: number;
}
