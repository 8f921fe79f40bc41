/** Counters of one shard's (or a whole mapping's) run. */
export interface ShardStats {
  /** Handler invocations, first deliveries and re-deliveries. */
  invocations: number;
  /** Batches read fresh from the shard (first deliveries). */
  batches: number;
  /** Records delivered, counting each re-delivery again. */
  recordsDelivered: number;
  /** Records checkpointed after a successful (or partly successful) invocation; each once. */
  recordsCheckpointed: number;
  /** Invocations that re-delivered records after a failure. */
  retries: number;
  /** Times a failed batch was split in two. */
  bisections: number;
  /** Invocations that answered a partial batch failure. */
  partialFailures: number;
  /** Invocations that failed as a whole: thrown error, time-out, or a whole-batch failure response. */
  failures: number;
  /** Of `failures`, those that ran past the function timeout. */
  timeouts: number;
  /** Records given up and sent to the on-failure destination. */
  recordsDiscarded: number;
}

/** All counters at zero. */
export function emptyStats(): ShardStats {
  return {
    invocations: 0,
    batches: 0,
    recordsDelivered: 0,
    recordsCheckpointed: 0,
    retries: 0,
    bisections: 0,
    partialFailures: 0,
    failures: 0,
    timeouts: 0,
    recordsDiscarded: 0,
  };
}

/** Adds `more` into `into`, counter by counter. */
export function addStats(into: ShardStats, more: ShardStats): ShardStats {
  for (const key of Object.keys(into) as (keyof ShardStats)[]) into[key] += more[key];
  return into;
}
