import type { FailureBucket, ListedObject } from './bucket.js';
import { REPLAYED_TAG } from './bucket.js';
import { Unreachable } from './errors.js';
import { type FailureRecord, parseFailureRecord, UnreadableRecord } from './failure-record.js';
import type { FunctionInvoker } from './invoke.js';
import { keyParts } from './object-key.js';
import { readOutcome } from './outcome.js';

/** What to do with a record set once every record of it was stored. */
export type AfterStored = 'delete' | 'tag';

export interface RunOptions {
  readonly after: AfterStored;
  /** Read and check every record, invoke nothing, change nothing. */
  readonly dryRun: boolean;
  /** Replay records already tagged as replayed (with `--tag`) again. */
  readonly again: boolean;
  /** Shards replayed at once; each shard's records go one after another, oldest first. */
  readonly concurrency: number;
  readonly now?: () => Date;
}

/** The result for one failure record object. */
export type ObjectResult =
  | { kind: 'replayed'; key: string; records: number; after: AfterStored }
  | { kind: 'would-replay'; key: string; record: FailureRecord }
  | { kind: 'left'; key: string; records: number; notStored: number; reason: string }
  | { kind: 'unreadable'; key: string; reason: string }
  | { kind: 'skipped'; key: string; reason: string }
  /**
   * Stored, but the record could not be deleted or tagged: a new run would replay it again, and
   * so would every later one, so the run stops here.
   */
  | { kind: 'unmarked'; key: string; records: number; error: Unreachable };

/** The whole run; `stopped` is set when the bucket or the function became unreachable. */
export interface RunResult {
  readonly results: ObjectResult[];
  readonly stopped: Unreachable | undefined;
}

/**
 * Replays the selected failure records through the function: for each, read it, invoke the
 * function with its event, and delete or tag it only when the function answered that every
 * record was stored; otherwise leave it and say why. Records of one shard go in key order (the
 * order Lambda wrote them); different shards go side by side. An unreadable record is reported
 * and skipped; an unreachable bucket or function stops the run (nothing more can succeed).
 */
export async function replayAll(
  objects: readonly ListedObject[],
  bucket: FailureBucket,
  invoker: FunctionInvoker | undefined,
  options: RunOptions,
  onResult: (result: ObjectResult, done: number) => void,
): Promise<RunResult> {
  const results: ObjectResult[] = [];
  let stopped: Unreachable | undefined;
  const queues = [...groupByShard(objects).values()];
  const worker = async (): Promise<void> => {
    for (let queue = queues.shift(); queue; queue = queues.shift()) {
      for (const object of queue) {
        if (stopped) return;
        try {
          const result = await replayOne(object, bucket, invoker, options);
          results.push(result);
          onResult(result, results.length);
          if (result.kind === 'unmarked') stopped ??= result.error;
        } catch (error) {
          if (!(error instanceof Unreachable)) throw error;
          stopped ??= error;
          return;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  return { results, stopped };
}

async function replayOne(
  object: ListedObject,
  bucket: FailureBucket,
  invoker: FunctionInvoker | undefined,
  options: RunOptions,
): Promise<ObjectResult> {
  const { key } = object;
  const read = await bucket.read(key);
  if (read === undefined) return { kind: 'skipped', key, reason: 'gone since it was listed' };
  const replayedAt = read.tags[REPLAYED_TAG];
  if (replayedAt !== undefined && !options.again) {
    return { kind: 'skipped', key, reason: `replayed at ${replayedAt} (--again replays it again)` };
  }
  let record: FailureRecord;
  try {
    record = parseFailureRecord(key, read.body);
  } catch (error) {
    if (error instanceof UnreadableRecord)
      return { kind: 'unreadable', key, reason: error.message };
    throw error;
  }
  if (options.dryRun || invoker === undefined) return { kind: 'would-replay', key, record };

  const outcome = readOutcome(await invoker.invoke(record.payload), record.records);
  const records = record.records.length;
  if (outcome.kind === 'not-stored') {
    return { kind: 'left', key, records, notStored: outcome.notStored, reason: outcome.reason };
  }
  try {
    if (options.after === 'delete') await bucket.delete(key);
    else await bucket.tagReplayed(key, (options.now ?? (() => new Date()))(), read.tags);
  } catch (error) {
    if (!(error instanceof Unreachable)) throw error;
    return { kind: 'unmarked', key, records, error };
  }
  return { kind: 'replayed', key, records, after: options.after };
}

/** Objects by shard (from Lambda's key naming; any other key is a shard of its own), in order. */
function groupByShard(objects: readonly ListedObject[]): Map<string, ListedObject[]> {
  const groups = new Map<string, ListedObject[]>();
  for (const object of objects) {
    const parts = keyParts(object.key);
    const shard = parts ? `${parts.mappingUuid}/${parts.shardId}` : object.key;
    const group = groups.get(shard) ?? [];
    group.push(object);
    groups.set(shard, group);
  }
  return groups;
}
