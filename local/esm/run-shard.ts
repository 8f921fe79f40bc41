import type { KinesisStreamRecord } from 'aws-lambda';
import { collectBatch, pause, ShardReader } from './batches.js';
import { invoke, type StreamHandler } from './invoke.js';
import { type DiscardCondition, type OnFailureRecord, onFailureRecord } from './on-failure.js';
import type { Outcome } from './response.js';
import { type MappingOptions, mappingSettings } from './settings.js';
import type { ShardSource } from './source.js';
import { emptyStats, type ShardStats } from './stats.js';

/** Options of {@link runShard}: the mapping's settings plus the run's controls and hooks. */
export interface RunShardOptions extends MappingOptions {
  /** Stops the run after the invocation in progress (its outcome is still checkpointed). */
  signal?: AbortSignal;
  /** Start after this sequence number (AFTER_SEQUENCE_NUMBER) instead of TRIM_HORIZON. */
  startAfterSequenceNumber?: string;
  /** The on-failure destination: receives what Lambda would send to SQS/SNS. */
  onFailure?: (record: OnFailureRecord) => void | Promise<void>;
  /** Called after every invocation, for progress reporting. */
  onInvocation?: (report: InvocationReport) => void;
  /** Called whenever the checkpoint moves forward (records done or given up), with the new one. */
  onCheckpoint?: (sequenceNumber: string) => void;
  /** Clock for record age, epoch ms; default `Date.now`. */
  now?: () => number;
  /** Shown in the context's `functionName`. */
  functionName?: string;
}

/** One invocation, as reported to {@link RunShardOptions.onInvocation}. */
export interface InvocationReport {
  shardId: string;
  records: number;
  firstSequenceNumber: string;
  lastSequenceNumber: string;
  /** True when the records had been delivered before (a retry or a bisected half). */
  redelivery: boolean;
  outcome: Outcome;
  durationMs: number;
  /** Now minus the arrival of the batch's last record: what CloudWatch calls IteratorAge. */
  iteratorAgeMs: number;
}

/** The result of {@link runShard}. */
export interface ShardRun {
  shardId: string;
  stats: ShardStats;
  /** The last checkpointed sequence number (undefined if nothing was). */
  checkpoint: string | undefined;
  /** Everything sent to the on-failure destination, in order. */
  discarded: OnFailureRecord[];
}

/** A batch to re-deliver, counted in records from the checkpoint. */
interface Redelivery {
  size: number;
  /** Retries so far; a bisection does not count as one, a re-delivery of the same records does. */
  attempts: number;
  invocations: number;
  lastError: string;
}

/**
 * Runs one shard through the handler the way a Lambda event source mapping does, one batch at
 * a time, so records of a shard are processed strictly in order:
 *
 * - success: checkpoint the whole batch;
 * - partial batch failure: checkpoint before the lowest reported record and re-read from it
 *   (records after it come again, including ones already acknowledged);
 * - thrown error, time-out or whole-batch failure response: with `bisectBatchOnError`, split
 *   the batch in two and retry each half, first half first; otherwise retry the whole batch;
 * - a batch retried more than `maxRetryAttempts` times, or records older than
 *   `maxRecordAgeSeconds`, go to the on-failure destination and the shard moves on.
 *
 * Returns when the shard is caught up (or, with `stopWhenCaughtUp: false`, when aborted).
 * Assumption where AWS documents nothing: splitting a batch does not consume a retry attempt;
 * retries count once a batch can no longer be split (or bisection is off).
 */
export async function runShard(
  source: ShardSource,
  handler: StreamHandler,
  options: RunShardOptions = {},
): Promise<ShardRun> {
  const settings = mappingSettings(pickMappingOptions(options));
  const { signal, onFailure, onInvocation, onCheckpoint, now = Date.now } = options;
  const reader = new ShardReader(source);
  const stats = emptyStats();
  const discarded: OnFailureRecord[] = [];
  const pending: Redelivery[] = [];
  let checkpoint = options.startAfterSequenceNumber;
  const advance = (sequenceNumber: string | undefined): void => {
    if (sequenceNumber === undefined) return;
    checkpoint = sequenceNumber;
    onCheckpoint?.(sequenceNumber);
  };

  const giveUp = async (
    records: readonly KinesisStreamRecord[],
    condition: DiscardCondition,
    invocations: number,
    lastError: string | undefined,
  ): Promise<void> => {
    const record = onFailureRecord(records, source.shardId, condition, invocations, lastError);
    discarded.push(record);
    stats.recordsDiscarded += records.length;
    advance(records.at(-1)?.kinesis.sequenceNumber);
    await onFailure?.(record);
  };
  const exhausted = (attempts: number): boolean =>
    settings.maxRetryAttempts !== -1 && attempts > settings.maxRetryAttempts;
  // The batch being retried is always pending[0]; a fresh batch goes in front when it fails.
  const replaceHead = (head: Redelivery | undefined, ...next: Redelivery[]): void => {
    pending.splice(0, head ? 1 : 0, ...next);
  };

  while (!signal?.aborted) {
    const head = pending[0];
    const batch = head
      ? await reader.read(checkpoint, head.size)
      : await collectBatch(reader, checkpoint, settings, signal);
    if (batch.length === 0) {
      if (head) {
        pending.length = 0; // the records are gone from the stream (trimmed): nothing to retry
        continue;
      }
      if (settings.stopWhenCaughtUp) break;
      await pause(settings.pollIntervalMs, signal);
      continue;
    }

    const expired = expiredPrefix(batch, settings.maxRecordAgeSeconds, now());
    if (expired > 0) {
      await giveUp(
        batch.slice(0, expired),
        'RecordAgeExceeded',
        head?.invocations ?? 0,
        head?.lastError,
      );
      if (head)
        replaceHead(head, ...(head.size > expired ? [{ ...head, size: head.size - expired }] : []));
      continue;
    }

    if (head) stats.retries++;
    else stats.batches++;
    stats.invocations++;
    stats.recordsDelivered += batch.length;
    const started = Date.now();
    const outcome = await invoke(handler, batch, {
      functionTimeoutMs: settings.functionTimeoutMs,
      reportBatchItemFailures: settings.reportBatchItemFailures,
      ...(options.functionName === undefined ? {} : { functionName: options.functionName }),
    });
    onInvocation?.(report(source.shardId, batch, head !== undefined, outcome, started, now()));

    const attempts = head?.attempts ?? 0;
    const invocations = (head?.invocations ?? 0) + 1;
    if (outcome.kind === 'success') {
      advance(lastSequenceNumber(batch));
      stats.recordsCheckpointed += batch.length;
      replaceHead(head);
      continue;
    }

    if (outcome.kind === 'partial') {
      stats.partialFailures++;
      const progressed = outcome.index > 0;
      if (progressed) {
        advance((batch[outcome.index - 1] as KinesisStreamRecord).kinesis.sequenceNumber);
        stats.recordsCheckpointed += outcome.index;
      }
      const rest = batch.slice(outcome.index);
      const retry: Redelivery = {
        size: rest.length,
        attempts: (progressed ? 0 : attempts) + 1,
        invocations: progressed ? 1 : invocations,
        lastError: 'partial batch failure',
      };
      if (exhausted(retry.attempts)) {
        await giveUp(rest, 'RetryAttemptsExhausted', retry.invocations, retry.lastError);
        replaceHead(head);
      } else {
        replaceHead(head, retry);
      }
    } else {
      stats.failures++;
      if (outcome.cause === 'timeout') stats.timeouts++;
      const lastError = `${outcome.cause}: ${outcome.detail}`;
      if (settings.bisectBatchOnError && batch.length > 1) {
        stats.bisections++;
        const first = Math.ceil(batch.length / 2);
        replaceHead(
          head,
          { size: first, attempts, invocations, lastError },
          { size: batch.length - first, attempts, invocations, lastError },
        );
      } else if (exhausted(attempts + 1)) {
        await giveUp(batch, 'RetryAttemptsExhausted', invocations, lastError);
        replaceHead(head);
      } else {
        replaceHead(head, { size: batch.length, attempts: attempts + 1, invocations, lastError });
      }
    }
    if (pending.length > 0) await pause(settings.retryDelayMs, signal);
  }
  return { shardId: source.shardId, stats, checkpoint, discarded };
}

/** Records at the front of the batch older than the maximum age (records arrive in order). */
function expiredPrefix(
  batch: readonly KinesisStreamRecord[],
  maxAgeSeconds: number,
  nowMs: number,
): number {
  if (maxAgeSeconds === -1) return 0;
  const cutoff = nowMs / 1000 - maxAgeSeconds;
  let n = 0;
  while (
    n < batch.length &&
    (batch[n] as KinesisStreamRecord).kinesis.approximateArrivalTimestamp < cutoff
  )
    n++;
  return n;
}

function lastSequenceNumber(batch: readonly KinesisStreamRecord[]): string | undefined {
  return batch.at(-1)?.kinesis.sequenceNumber;
}

function report(
  shardId: string,
  batch: readonly KinesisStreamRecord[],
  redelivery: boolean,
  outcome: Outcome,
  started: number,
  nowMs: number,
): InvocationReport {
  const first = batch[0] as KinesisStreamRecord;
  const last = batch.at(-1) as KinesisStreamRecord;
  return {
    shardId,
    records: batch.length,
    firstSequenceNumber: first.kinesis.sequenceNumber,
    lastSequenceNumber: last.kinesis.sequenceNumber,
    redelivery,
    outcome,
    durationMs: Date.now() - started,
    iteratorAgeMs: Math.max(0, nowMs - last.kinesis.approximateArrivalTimestamp * 1000),
  };
}

/** Only the mapping settings: the run's controls are not validated as Lambda limits. */
function pickMappingOptions(options: RunShardOptions): MappingOptions {
  const {
    signal: _signal,
    startAfterSequenceNumber: _start,
    onFailure: _onFailure,
    onInvocation: _onInvocation,
    onCheckpoint: _onCheckpoint,
    now: _now,
    functionName: _functionName,
    ...mapping
  } = options;
  return mapping;
}
