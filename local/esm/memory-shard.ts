import type { KinesisStreamRecord } from 'aws-lambda';
import { type StoredRecord, toLambdaRecord } from './lambda-record.js';
import type { ShardSource } from './source.js';

/** A record to put on a {@link MemoryShard}: bytes, or bytes with a partition key and arrival time. */
export type MemoryRecordInput =
  | Uint8Array
  | { data: Uint8Array; partitionKey?: string; arrivalMs?: number };

/** Options of {@link MemoryShard}. */
export interface MemoryShardOptions {
  /** Default `shardId-000000000000`. */
  shardId?: string;
  /** Default `arn:aws:kinesis:us-east-1:000000000000:stream/local`. */
  streamArn?: string;
  /** Arrival time of records that do not state one; default: when they were added. */
  now?: () => number;
}

/**
 * A shard held in memory: no network, deterministic sequence numbers, and every read builds
 * fresh Lambda-shaped records (as every real invocation parses fresh JSON), so a handler that
 * mutates its event cannot change what a re-delivery sees.
 */
export class MemoryShard implements ShardSource {
  readonly shardId: string;
  readonly streamArn: string;
  private readonly records: StoredRecord[] = [];
  private readonly positions = new Map<string, number>();
  private readonly now: () => number;

  constructor(records: readonly MemoryRecordInput[] = [], options: MemoryShardOptions = {}) {
    this.shardId = options.shardId ?? 'shardId-000000000000';
    this.streamArn = options.streamArn ?? 'arn:aws:kinesis:us-east-1:000000000000:stream/local';
    this.now = options.now ?? Date.now;
    this.append(...records);
  }

  /** Adds records at the end of the shard, as PutRecords would; returns their sequence numbers. */
  append(...records: MemoryRecordInput[]): string[] {
    return records.map((input) => {
      const position = this.records.length;
      const { data, partitionKey, arrivalMs } =
        input instanceof Uint8Array ? { data: input } : input;
      const sequenceNumber = memorySequenceNumber(position);
      this.records.push({
        data,
        sequenceNumber,
        partitionKey: partitionKey ?? `pk-${position}`,
        arrivalMs: arrivalMs ?? this.now(),
      });
      this.positions.set(sequenceNumber, position);
      return sequenceNumber;
    });
  }

  /** Number of records on the shard. */
  get length(): number {
    return this.records.length;
  }

  /** Sequence number of the record at a position (0-based), for assertions. */
  sequenceNumberAt(position: number): string {
    const record = this.records[position];
    if (!record) throw new RangeError(`No record at position ${position} of ${this.shardId}`);
    return record.sequenceNumber;
  }

  async read(
    afterSequenceNumber: string | undefined,
    limit: number,
  ): Promise<KinesisStreamRecord[]> {
    let start = 0;
    if (afterSequenceNumber !== undefined) {
      const position = this.positions.get(afterSequenceNumber);
      if (position === undefined) {
        throw new Error(`${afterSequenceNumber} is not a sequence number of ${this.shardId}`);
      }
      start = position + 1;
    }
    return this.records
      .slice(start, start + limit)
      .map((record) =>
        toLambdaRecord(record, { shardId: this.shardId, streamArn: this.streamArn }),
      );
  }
}

/** Kinesis-like sequence numbers: 56 decimal digits, increasing with the position. */
export function memorySequenceNumber(position: number): string {
  return `4960${String(position).padStart(52, '0')}`;
}
