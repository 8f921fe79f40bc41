import { ON_FAILURE } from '../cdk/defaults.js';
import type { FailureBucket, ListedObject } from './bucket.js';
import { keyParts } from './object-key.js';

/** Which failure records a command works on. */
export interface Selection {
  /** One object by its key; the other filters must then be unset. */
  readonly key?: string;
  /** Key prefix; default Lambda's own, `aws/lambda/` (add `<mapping UUID>/` for one mapping). */
  readonly prefix: string;
  /** Only records written at or after this time (from Lambda's key naming, else the object's date). */
  readonly since?: Date;
  /** Only records written before this time. */
  readonly until?: Date;
  /** Only records of this shard (`shardId-000000000003`), read from Lambda's key naming. */
  readonly shard?: string;
}

export const DEFAULT_PREFIX = ON_FAILURE.keyPrefix;

/** The selected objects, oldest first within each shard (Lambda's keys sort that way). */
export async function selectObjects(
  bucket: FailureBucket,
  selection: Selection,
): Promise<ListedObject[]> {
  if (selection.key !== undefined) {
    const one = await bucket.head(selection.key);
    return one === undefined ? [] : [one];
  }
  const listed = await bucket.list(selection.prefix);
  const written = (o: ListedObject) => keyParts(o.key)?.writtenAt ?? o.lastModified;
  return listed
    .filter((o) => selection.since === undefined || written(o) >= selection.since)
    .filter((o) => selection.until === undefined || written(o) < selection.until)
    .filter((o) => selection.shard === undefined || keyParts(o.key)?.shardId === selection.shard)
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * A point in time given as ISO 8601 (`2026-08-20T01:00Z`, `2026-08-20`) or as a span before
 * now (`90m`, `6h`, `2d`). Throws naming the flag and what it accepts.
 */
export function parseTime(flag: string, text: string, now = Date.now()): Date {
  const relative = /^(\d+)(m|h|d)$/.exec(text.trim());
  if (relative) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 'm' | 'h' | 'd'];
    return new Date(now - Number(relative[1]) * unit);
  }
  const at = Date.parse(text);
  if (/^\d{4}-\d{2}-\d{2}/.test(text) && !Number.isNaN(at)) return new Date(at);
  throw new Error(
    `--${flag} ${text}: expected an ISO 8601 time (2026-08-20T01:00Z) or a span before now (90m, 6h, 2d)`,
  );
}
