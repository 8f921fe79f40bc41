import { createHash } from 'node:crypto';
import { AggregatedRecord } from '../../proto/kpl.generated.js';

const MAGIC = Buffer.from([0xf3, 0x89, 0x9a, 0xc2]);

/** The KPL's default `AggregationMaxSize`: an aggregate stops growing at 51,200 bytes. */
export const KPL_MAX_AGGREGATE_BYTES = 51_200;

/**
 * Packs user records the way the Kinesis Producer Library does: magic bytes, an
 * `AggregatedRecord` protobuf with a partition key table, then the MD5 of the protobuf. The
 * Kinesis record's partition key is the first user record's, as the KPL chooses it.
 */
export function aggregate(records: readonly { data: Uint8Array; partitionKey: string }[]): Buffer {
  const keys: string[] = [];
  const index = new Map<string, number>();
  const entries = records.map(({ data, partitionKey }) => {
    let i = index.get(partitionKey);
    if (i === undefined) {
      i = keys.push(partitionKey) - 1;
      index.set(partitionKey, i);
    }
    return { partitionKeyIndex: i, data };
  });
  const body = AggregatedRecord.encode({ partitionKeyTable: keys, records: entries }).finish();
  const digest = createHash('md5').update(body).digest();
  return Buffer.concat([MAGIC, body, digest]);
}

/** The aggregate with one digest byte flipped: the collector must refuse it as a whole. */
export function corruptDigest(aggregate: Buffer): Buffer {
  const copy = Buffer.from(aggregate);
  const last = copy.length - 1;
  copy[last] = (copy[last] as number) ^ 0xff;
  return copy;
}

/** Bytes a user record adds to an aggregate (data, key index, framing), a safe upper bound. */
export function aggregatedBytes(data: Uint8Array, partitionKey: string): number {
  return data.length + partitionKey.length + 16;
}
