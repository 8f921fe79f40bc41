import { createHash } from 'node:crypto';
import { readLength, readVarint, skipField, varint, WIRE_LEN, WIRE_VARINT } from './wire.js';

/**
 * De-aggregation of Kinesis Producer Library (KPL) records.
 *
 * haystack-agent's Kinesis dispatcher uses the KPL, which packs many user records into one
 * Kinesis record:
 *
 *     F3 89 9A C2 | AggregatedRecord (protobuf, proto/kpl.proto) | MD5 of the protobuf bytes
 *
 * The old JVM collector read through the KCL, which unpacks them silently; Lambda hands the
 * packed record over as is, so we unpack it here. Sub-records share their parent's sequence
 * number, so a failure is always reported for the whole parent record.
 */

const MAGIC = [0xf3, 0x89, 0x9a, 0xc2] as const;
const DIGEST_LENGTH = 16;
const HEADER_LENGTH: number = MAGIC.length;

// AggregatedRecord.partition_key_table = 1, .records = 3; Record.partition_key_index = 1, .data = 3.
const AGGREGATE_KEY_TABLE = 1;
const AGGREGATE_RECORDS = 3;
const RECORD_KEY_INDEX = 1;
const RECORD_DATA = 3;

/** The `partition_key_index` of the record {@link recordData} read last (no allocation per record). */
let keyIndex = 0;

/** Why an aggregated record could not be unpacked. */
export type KplRejection = 'kpl-checksum-mismatch' | 'kpl-malformed';

/** True when the bytes start with the KPL magic and are long enough to hold its digest. */
export function isKplAggregate(buf: Uint8Array): boolean {
  return (
    buf.length >= HEADER_LENGTH + DIGEST_LENGTH &&
    buf[0] === MAGIC[0] &&
    buf[1] === MAGIC[1] &&
    buf[2] === MAGIC[2] &&
    buf[3] === MAGIC[3]
  );
}

/**
 * Unpacks an aggregate (check {@link isKplAggregate} first), appending each sub-record's data
 * to `out` as a view into `buf` (no copies), and, when given `keyIndexes`, its index into the
 * aggregate's partition key table (see {@link kplPartitionKey}). Returns a rejection and
 * appends nothing when the digest does not match or the envelope is malformed.
 *
 * The KCL passes an aggregate whose digest does not match on as one plain record; such bytes
 * never parse as a span, so we reject them here with the more precise reason.
 */
export function deaggregate(
  buf: Buffer,
  out: Buffer[],
  keyIndexes?: number[],
): KplRejection | undefined {
  const end = buf.length - DIGEST_LENGTH;
  const digest = createHash('md5').update(buf.subarray(HEADER_LENGTH, end)).digest();
  if (!digest.equals(buf.subarray(end))) return 'kpl-checksum-mismatch';

  const first = out.length;
  let pos = HEADER_LENGTH;
  while (pos < end) {
    pos = readVarint(buf, pos, end);
    if (pos < 0) return malformed(out, first, keyIndexes);
    const field = varint.lo >>> 3;
    const wireType = varint.lo & 7;
    if (field === 0) return malformed(out, first, keyIndexes);
    if (field === AGGREGATE_RECORDS && wireType === WIRE_LEN) {
      pos = readLength(buf, pos, end);
      if (pos < 0) return malformed(out, first, keyIndexes);
      const recordEnd = pos + varint.lo;
      const data = recordData(buf, pos, recordEnd);
      if (data === undefined) return malformed(out, first, keyIndexes);
      out.push(data);
      keyIndexes?.push(keyIndex);
      pos = recordEnd;
    } else {
      // partition_key_table, explicit_hash_key_table and unknown fields: framing only.
      pos = skipField(buf, pos, end, field, wireType);
      if (pos < 0) return malformed(out, first, keyIndexes);
    }
  }
  return undefined;
}

/** The `data` of one `Record` (required in the KPL's proto2 schema), or undefined if absent or malformed. */
function recordData(buf: Buffer, pos: number, end: number): Buffer | undefined {
  let data: Buffer | undefined;
  keyIndex = 0;
  while (pos < end) {
    pos = readVarint(buf, pos, end);
    if (pos < 0) return undefined;
    const field = varint.lo >>> 3;
    const wireType = varint.lo & 7;
    if (field === 0) return undefined;
    if (field === RECORD_DATA && wireType === WIRE_LEN) {
      pos = readLength(buf, pos, end);
      if (pos < 0) return undefined;
      data = buf.subarray(pos, pos + varint.lo);
      pos += varint.lo;
    } else if (field === RECORD_KEY_INDEX && wireType === WIRE_VARINT) {
      pos = readVarint(buf, pos, end);
      if (pos < 0) return undefined;
      keyIndex = varint.hi === 0 ? varint.lo : -1;
    } else {
      pos = skipField(buf, pos, end, field, wireType);
      if (pos < 0) return undefined;
    }
  }
  return data;
}

function malformed(out: Buffer[], first: number, keyIndexes?: number[]): KplRejection {
  if (keyIndexes) keyIndexes.length -= out.length - first;
  out.length = first;
  return 'kpl-malformed';
}

/**
 * The partition key of a user record of an aggregate that {@link deaggregate} accepted: entry
 * `index` of its partition key table, or undefined if there is no such entry. The KPL routes
 * by explicit hash key and gives the aggregate itself a partition key of its own (the Java KPL
 * writes `a`), so a user record's own key, the traceId haystack-agent sets, is only here.
 * Read on demand (for dead letters), never on the hot path.
 */
export function kplPartitionKey(aggregate: Buffer, index: number): string | undefined {
  const end = aggregate.length - DIGEST_LENGTH;
  let seen = 0;
  let pos = HEADER_LENGTH;
  while (pos < end && index >= 0) {
    pos = readVarint(aggregate, pos, end);
    if (pos < 0) return undefined;
    const field = varint.lo >>> 3;
    const wireType = varint.lo & 7;
    if (field === AGGREGATE_KEY_TABLE && wireType === WIRE_LEN) {
      pos = readLength(aggregate, pos, end);
      if (pos < 0) return undefined;
      if (seen++ === index) return aggregate.toString('utf8', pos, pos + varint.lo);
      pos += varint.lo;
    } else {
      pos = skipField(aggregate, pos, end, field, wireType);
      if (pos < 0) return undefined;
    }
  }
  return undefined;
}
