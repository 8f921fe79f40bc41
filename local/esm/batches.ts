import { setTimeout as delay } from 'node:timers/promises';
import type { KinesisStreamRecord } from 'aws-lambda';
import { EVENT_ENVELOPE_BYTES, payloadBytes } from './lambda-record.js';
import type { MappingSettings } from './settings.js';
import type { ShardSource } from './source.js';

/**
 * Reads a shard through a one-batch look-ahead: records read but cut off by the payload cap
 * are served to the next read that continues after the same record, instead of being read
 * twice. A read after any other position (a retry from an earlier checkpoint) drops them
 * and goes back to the source, as Lambda re-reads from the checkpoint.
 */
export class ShardReader {
  private ahead: KinesisStreamRecord[] = [];
  private aheadAfter: string | undefined;

  constructor(readonly source: ShardSource) {}

  async read(after: string | undefined, limit: number): Promise<KinesisStreamRecord[]> {
    if (this.ahead.length > 0 && this.aheadAfter === after) {
      const taken = this.ahead.splice(0, limit);
      this.aheadAfter = taken.at(-1)?.kinesis.sequenceNumber;
      return taken;
    }
    this.ahead = [];
    return this.source.read(after, limit);
  }

  /** Keeps records that were read after `after` but not used, for the next read. */
  unread(after: string | undefined, records: KinesisStreamRecord[]): void {
    this.ahead = records;
    this.aheadAfter = after;
  }
}

/**
 * Gathers the next batch after `after`: up to `batchSize` records and at most the payload cap
 * of event JSON, reading again until the batching window closes. With no window, what one read
 * returns is the batch (Lambda invokes as soon as it has records). An empty result means the
 * shard had nothing new. When the engine is set to stop once caught up, a read that comes back
 * short closes the window early: nothing more is coming to wait for.
 */
export async function collectBatch(
  reader: ShardReader,
  after: string | undefined,
  settings: MappingSettings,
  signal: AbortSignal | undefined,
): Promise<KinesisStreamRecord[]> {
  const batch: KinesisStreamRecord[] = [];
  let bytes = EVENT_ENVELOPE_BYTES;
  let cursor = after;
  let windowEnd: number | undefined;
  for (;;) {
    const wanted = settings.batchSize - batch.length;
    const read = await reader.read(cursor, wanted);
    for (let i = 0; i < read.length; i++) {
      const record = read[i] as KinesisStreamRecord;
      const size = payloadBytes(record);
      // A record alone always fits in Lambda (1 MB of data is ~1.4 MB of JSON), so only a
      // test's lowered cap can meet one that does not; it then travels alone rather than never.
      if (bytes + size > settings.maxPayloadBytes && batch.length > 0) {
        reader.unread(batch.at(-1)?.kinesis.sequenceNumber, read.slice(i));
        return batch;
      }
      bytes += size;
      batch.push(record);
    }
    cursor = batch.at(-1)?.kinesis.sequenceNumber ?? cursor;
    if (batch.length === 0 || batch.length >= settings.batchSize) return batch;
    if (settings.maxBatchingWindowMs === 0) return batch;
    if (settings.stopWhenCaughtUp && read.length < wanted) return batch;
    windowEnd ??= Date.now() + settings.maxBatchingWindowMs;
    const left = windowEnd - Date.now();
    if (left <= 0 || signal?.aborted) return batch;
    if (read.length === 0) await pause(Math.min(settings.pollIntervalMs, left), signal);
  }
}

/** Waits, or returns early when the run is aborted. */
export async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0 || signal?.aborted) return;
  await delay(ms, undefined, { signal }).catch(() => undefined);
}
