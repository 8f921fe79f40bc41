import type { StreamHandler } from './invoke.js';
import type { OnFailureRecord } from './on-failure.js';
import { type RunShardOptions, runShard, type ShardRun } from './run-shard.js';
import type { ShardSource } from './source.js';
import { addStats, emptyStats, type ShardStats } from './stats.js';

/** The result of {@link runMapping}: per shard, and summed. */
export interface MappingRun {
  shards: ShardRun[];
  stats: ShardStats;
  discarded: OnFailureRecord[];
}

/**
 * Runs every shard at once, each in order on its own, as one event source mapping does with a
 * parallelization factor of 1. `handlerFor` is called once per shard: in AWS each shard's
 * batches go to their own execution environment, so each gets its own handler (and producer)
 * unless the caller deliberately returns the same one.
 */
export async function runMapping(
  sources: readonly ShardSource[],
  handlerFor: (source: ShardSource) => StreamHandler,
  options: RunShardOptions = {},
): Promise<MappingRun> {
  const shards = await Promise.all(sources.map((s) => runShard(s, handlerFor(s), options)));
  return {
    shards,
    stats: shards.reduce((sum, run) => addStats(sum, run.stats), emptyStats()),
    discarded: shards.flatMap((run) => run.discarded),
  };
}
