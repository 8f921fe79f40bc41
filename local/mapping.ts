import { MAPPING } from '../cdk/defaults.js';
import {
  type OnFailureRecord,
  runShard,
  type ShardRun,
  type ShardSource,
  type StreamHandler,
} from './esm/index.js';
import type { RunState } from './state.js';

/** The local event source mapping of a run, one poller per shard. */
export interface LocalMapping {
  /** Resolves when every shard has stopped. */
  done: Promise<ShardRun[]>;
  /** From now on, stop each shard once it has checkpointed its sequence number here. */
  finishAt(lastSequenceNumbers: ReadonlyMap<string, string>): void;
  /** What the mapping gave up, as Lambda would send it to the on-failure destination. */
  discarded: OnFailureRecord[];
}

/**
 * Polls every shard with the deployed mapping's error handling (cdk/defaults.ts: bisect on
 * error, retry and record-age limits) and the run's batch size and window, one handler per
 * shard as separate execution environments would have. Shards keep polling until
 * {@link LocalMapping.finishAt} says where the traffic ended and they reached it, or `signal`
 * aborts.
 */
export function startMapping(
  shards: readonly ShardSource[],
  newHandler: () => StreamHandler,
  settings: { batchSize: number; windowMs: number },
  state: RunState,
  signal: AbortSignal,
): LocalMapping {
  const checkpoints = new Map<string, string>();
  const controllers = new Map(shards.map((s) => [s.shardId, new AbortController()]));
  let targets: ReadonlyMap<string, string> | undefined;
  const stopIfDone = (shardId: string): void => {
    if (!targets) return;
    const target = targets.get(shardId);
    const at = checkpoints.get(shardId);
    if (target === undefined || (at !== undefined && BigInt(at) >= BigInt(target))) {
      controllers.get(shardId)?.abort();
    }
  };
  signal.addEventListener('abort', () => {
    for (const c of controllers.values()) c.abort();
  });
  const discarded: OnFailureRecord[] = [];
  const done = Promise.all(
    shards.map((source) =>
      runShard(source, newHandler(), {
        batchSize: settings.batchSize,
        maxBatchingWindowMs: settings.windowMs,
        bisectBatchOnError: MAPPING.bisectBatchOnError,
        maxRetryAttempts: MAPPING.retryAttempts,
        maxRecordAgeSeconds: MAPPING.maxRecordAgeSeconds,
        pollIntervalMs: 200,
        stopWhenCaughtUp: false,
        signal: controllers.get(source.shardId)?.signal,
        onCheckpoint: (seq) => {
          checkpoints.set(source.shardId, seq);
          stopIfDone(source.shardId);
        },
        onInvocation: (report) => {
          state.invocations++;
          if (report.redelivery) state.retries++;
          if (report.outcome.kind === 'partial') state.partialFailures++;
          if (report.outcome.kind === 'failed') state.failures++;
          if (report.outcome.kind === 'success') state.recordsCheckpointed += report.records;
          state.iteratorAgeMs = report.iteratorAgeMs;
          state.maxIteratorAgeMs = Math.max(state.maxIteratorAgeMs, report.iteratorAgeMs);
          state.invocationMs.push(report.durationMs);
        },
        onFailure: (record) => {
          discarded.push(record);
          state.recordsDiscarded += record.KinesisBatchInfo.batchSize;
        },
      }),
    ),
  );
  return {
    done,
    discarded,
    finishAt: (lastSequenceNumbers) => {
      targets = lastSequenceNumbers;
      for (const shardId of controllers.keys()) stopIfDone(shardId);
    },
  };
}
