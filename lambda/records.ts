import type { KinesisStreamRecord } from 'aws-lambda';
import { deaggregate, isKplAggregate, kplPartitionKey } from './kpl.js';
import type { Rejected } from './rejections.js';
import type { CheckedSpan } from './spans.js';

/** One user record: the bytes of one span, from a plain record or one KPL sub-record. */
export interface UserRecord {
  /** Position of the Kinesis record in the event; failures are reported per Kinesis record. */
  recordIndex: number;
  /** Position within its KPL aggregate; 0 for a plain record. */
  subIndex: number;
  /** Position of the span within a multi-span record, once lambda/decoding.ts split it. */
  spanIndex?: number;
  /** A view into the decoded record: the span's bytes exactly as the producer wrote them. */
  data: Buffer;
  /** For a KPL sub-record: the whole aggregate and the index of its own partition key there. */
  aggregate?: Buffer;
  keyIndex?: number;
  /** The span's verdict, when its decoder found it while writing the span (spans.ts). */
  checked?: CheckedSpan;
}

/** The user records of a batch, and the Kinesis records that could not be read at all. */
export interface ReadBatch {
  userRecords: UserRecord[];
  rejected: Rejected[];
}

const EMPTY = Buffer.alloc(0);

/**
 * Kinesis records -> user records: base64 to bytes, then KPL de-aggregation when the record
 * is an aggregate. Never throws, whatever the event holds: a record that cannot be read is
 * returned as rejected so it is accounted for.
 */
export function readRecords(records: readonly KinesisStreamRecord[]): ReadBatch {
  const userRecords: UserRecord[] = [];
  const rejected: Rejected[] = [];
  const parts: Buffer[] = [];
  const keys: number[] = [];
  for (let recordIndex = 0; recordIndex < records.length; recordIndex++) {
    const kinesis = (records[recordIndex] as Partial<KinesisStreamRecord> | undefined)?.kinesis;
    if (typeof kinesis?.data !== 'string' || !isSequenceNumber(kinesis.sequenceNumber)) {
      rejected.push({ recordIndex, subIndex: 0, reason: 'malformed-event', data: EMPTY });
      continue;
    }
    const bytes = decodeBase64(kinesis.data);
    if (bytes === undefined) {
      rejected.push({
        recordIndex,
        subIndex: 0,
        reason: 'bad-base64',
        data: Buffer.from(kinesis.data),
      });
      continue;
    }
    if (!isKplAggregate(bytes)) {
      userRecords.push({ recordIndex, subIndex: 0, data: bytes });
      continue;
    }
    parts.length = 0;
    keys.length = 0;
    const reason = deaggregate(bytes, parts, keys);
    if (reason !== undefined || parts.length === 0) {
      // An aggregate of no user records is well formed but holds nothing: refused as such,
      // so that it is counted and logged like any record that yields no span.
      rejected.push({ recordIndex, subIndex: 0, reason: reason ?? 'no-spans', data: bytes });
      continue;
    }
    for (let subIndex = 0; subIndex < parts.length; subIndex++) {
      userRecords.push({
        recordIndex,
        subIndex,
        data: parts[subIndex] as Buffer,
        aggregate: bytes,
        keyIndex: keys[subIndex] as number,
      });
    }
  }
  return { userRecords, rejected };
}

/**
 * The Kinesis partition key of a user record: a KPL sub-record's own (from its aggregate's
 * partition key table), else the record's. Undefined when the event gives none.
 */
export function partitionKeyOf(
  item: Pick<UserRecord, 'aggregate' | 'keyIndex'>,
  record: KinesisStreamRecord | undefined,
): string | undefined {
  if (item.aggregate && item.keyIndex !== undefined) {
    const own = kplPartitionKey(item.aggregate, item.keyIndex);
    if (own !== undefined) return own;
  }
  const key = (record as Partial<KinesisStreamRecord> | undefined)?.kinesis?.partitionKey;
  return typeof key === 'string' ? key : undefined;
}

/** Kinesis sequence numbers are decimal strings; the batch response must echo one back. */
function isSequenceNumber(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/**
 * Strict base64: Node's decoder skips characters it does not know, which would turn garbage
 * into plausible bytes. Canonical base64 decodes to exactly 3 bytes per 4 characters less the
 * padding, so any skipped character shows as a length mismatch.
 */
export function decodeBase64(text: string): Buffer | undefined {
  if (text.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(text, 'base64');
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return bytes.length === (text.length / 4) * 3 - padding ? bytes : undefined;
}
