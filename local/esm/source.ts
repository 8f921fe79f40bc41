import type { KinesisStreamRecord } from 'aws-lambda';

/**
 * Where a shard's records come from. The engine never keeps a cursor of its own beyond the
 * checkpoint: every read says which record it continues after, exactly as Lambda re-reads a
 * shard with `GetShardIterator(AFTER_SEQUENCE_NUMBER)` after a failure.
 */
export interface ShardSource {
  /** `shardId-…`, as Lambda puts it in `eventID` and in on-failure metadata. */
  readonly shardId: string;
  /** The stream's ARN, as Lambda puts it in `eventSourceARN`. */
  readonly streamArn: string;
  /**
   * Up to `limit` records, in sequence order, following `afterSequenceNumber` (from the oldest
   * record, TRIM_HORIZON, when undefined), already shaped as Lambda delivers them. An empty
   * array means nothing newer is available yet.
   */
  read(afterSequenceNumber: string | undefined, limit: number): Promise<KinesisStreamRecord[]>;
}
