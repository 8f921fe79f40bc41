import { setTimeout as delay } from 'node:timers/promises';
import {
  type KinesisClient,
  PutRecordsCommand,
  type PutRecordsRequestEntry,
} from '@aws-sdk/client-kinesis';
import type { PutEntry } from './traffic.js';

/** PutRecords takes at most 500 records and 5 MB (data and partition keys) per call. */
const MAX_RECORDS_PER_PUT = 500;
const MAX_BYTES_PER_PUT = 5 * 1024 * 1024;
/** Entries Kinesis refused (throttling, internal errors) are put again, this many times. */
const MAX_ENTRY_ATTEMPTS = 10;

/** Options of {@link putTraffic}. */
export interface PutOptions {
  client: KinesisClient;
  streamName: string;
  /** Spans (user records) per second; 0 = as fast as the stream takes them. */
  rate: number;
  /** PutRecords calls in flight. */
  concurrency: number;
  signal?: AbortSignal;
  /** Called for every stored record, with where Kinesis put it. */
  onStored?: (entry: PutEntry, shardId: string, sequenceNumber: string) => void;
  /** Called for every record Kinesis refused for good. */
  onRefused?: (entry: PutEntry) => void;
}

/** What {@link putTraffic} put. */
export interface PutSummary {
  records: number;
  spans: number;
  /** Entries Kinesis refused for good (after retries). */
  refused: number;
  /** The highest sequence number stored per shard. */
  lastSequenceNumbers: Map<string, string>;
  ms: number;
}

/**
 * Puts records from `next` (until it returns undefined or the run is aborted) with PutRecords,
 * as many calls in flight as asked, paced to `rate` spans per second. At a low rate each call
 * carries about 100 ms of traffic, so records arrive steadily rather than in bursts.
 */
export async function putTraffic(
  next: () => PutEntry | undefined,
  options: PutOptions,
): Promise<PutSummary> {
  const started = Date.now();
  const summary: PutSummary = {
    records: 0,
    spans: 0,
    refused: 0,
    lastSequenceNumbers: new Map(),
    ms: 0,
  };
  const perCall =
    options.rate > 0
      ? Math.max(1, Math.min(MAX_RECORDS_PER_PUT, Math.floor(options.rate / 10)))
      : MAX_RECORDS_PER_PUT;
  let spansTaken = 0;
  let exhausted = false;

  const takeBatch = (): PutEntry[] => {
    const batch: PutEntry[] = [];
    let bytes = 0;
    while (!exhausted && batch.length < perCall) {
      const entry = next();
      if (!entry) {
        exhausted = true;
        break;
      }
      batch.push(entry);
      spansTaken += entry.spans;
      bytes += entry.data.length + entry.partitionKey.length;
      if (bytes > MAX_BYTES_PER_PUT - 1_100_000) break; // room for one more maximal record
    }
    return batch;
  };

  const worker = async (): Promise<void> => {
    while (!exhausted && !options.signal?.aborted) {
      const batch = takeBatch();
      if (batch.length === 0) return;
      if (options.rate > 0) {
        // Pace: the spans taken so far are due at spansTaken / rate seconds after the start.
        const due = started + (spansTaken / options.rate) * 1000 - Date.now();
        if (due > 0) await delay(due, undefined, { signal: options.signal }).catch(() => undefined);
      }
      await putBatch(batch, options, summary);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  summary.ms = Date.now() - started;
  return summary;
}

async function putBatch(
  batch: PutEntry[],
  options: PutOptions,
  summary: PutSummary,
): Promise<void> {
  let pending = batch;
  for (let attempt = 1; pending.length > 0; attempt++) {
    const out = await options.client.send(
      new PutRecordsCommand({
        StreamName: options.streamName,
        Records: pending.map(
          (e): PutRecordsRequestEntry => ({ Data: e.data, PartitionKey: e.partitionKey }),
        ),
      }),
    );
    const retry: PutEntry[] = [];
    (out.Records ?? []).forEach((result, i) => {
      const entry = pending[i] as PutEntry;
      if (result.SequenceNumber && result.ShardId) {
        summary.records++;
        summary.spans += entry.spans;
        const last = summary.lastSequenceNumbers.get(result.ShardId);
        if (last === undefined || BigInt(result.SequenceNumber) > BigInt(last)) {
          summary.lastSequenceNumbers.set(result.ShardId, result.SequenceNumber);
        }
        options.onStored?.(entry, result.ShardId, result.SequenceNumber);
      } else {
        retry.push(entry);
      }
    });
    if (retry.length > 0 && attempt >= MAX_ENTRY_ATTEMPTS) {
      summary.refused += retry.length;
      for (const entry of retry) options.onRefused?.(entry);
      return;
    }
    pending = retry;
    if (pending.length > 0) await delay(Math.min(1000, 50 * 2 ** attempt));
  }
}
