import {
  type _Record,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import type { KinesisStreamRecord } from 'aws-lambda';
import { toLambdaRecord } from './lambda-record.js';
import type { ShardSource } from './source.js';

/** GetRecords returns at most 10,000 records per call. */
const GET_RECORDS_LIMIT = 10_000;
/** Empty reads to skip through while the shard reports being behind (real Kinesis, sparse shards). */
const MAX_EMPTY_HOPS = 5;

/**
 * One shard of a Kinesis stream (kinesalite or AWS) read with the same calls Lambda's poller
 * makes: GetShardIterator (TRIM_HORIZON, or AFTER_SEQUENCE_NUMBER from the checkpoint) and
 * GetRecords. When a read continues exactly where the last one stopped, the iterator
 * GetRecords handed back is reused instead of asking for a new one.
 */
export class KinesisShard implements ShardSource {
  private next: { after: string | undefined; iterator: string } | undefined;

  constructor(
    private readonly client: KinesisClient,
    readonly streamName: string,
    readonly shardId: string,
    readonly streamArn: string,
  ) {}

  async read(
    afterSequenceNumber: string | undefined,
    limit: number,
  ): Promise<KinesisStreamRecord[]> {
    let iterator =
      this.next && this.next.after === afterSequenceNumber
        ? this.next.iterator
        : await this.iterator(afterSequenceNumber);
    this.next = undefined;
    for (let hop = 0; iterator; hop++) {
      const out = await this.client.send(
        new GetRecordsCommand({
          ShardIterator: iterator,
          Limit: Math.min(limit, GET_RECORDS_LIMIT),
        }),
      );
      const records = out.Records ?? [];
      const after = records.at(-1)?.SequenceNumber ?? afterSequenceNumber;
      if (out.NextShardIterator) this.next = { after, iterator: out.NextShardIterator };
      if (records.length > 0 || !out.MillisBehindLatest || hop >= MAX_EMPTY_HOPS) {
        return records.map((r) => this.toLambda(r));
      }
      iterator = out.NextShardIterator;
    }
    return []; // a closed shard (after a reshard) has no next iterator
  }

  private async iterator(after: string | undefined): Promise<string | undefined> {
    const out = await this.client.send(
      new GetShardIteratorCommand({
        StreamName: this.streamName,
        ShardId: this.shardId,
        ...(after === undefined
          ? { ShardIteratorType: 'TRIM_HORIZON' }
          : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: after }),
      }),
    );
    return out.ShardIterator;
  }

  private toLambda(r: _Record): KinesisStreamRecord {
    return toLambdaRecord(
      {
        data: r.Data ?? new Uint8Array(),
        sequenceNumber: r.SequenceNumber ?? '',
        partitionKey: r.PartitionKey ?? '',
        arrivalMs: r.ApproximateArrivalTimestamp?.getTime() ?? Date.now(),
      },
      { shardId: this.shardId, streamArn: this.streamArn },
    );
  }
}

/** Every shard of a stream, each as a {@link ShardSource}. */
export async function kinesisShards(
  client: KinesisClient,
  streamName: string,
): Promise<KinesisShard[]> {
  const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
  const streamArn = summary.StreamDescriptionSummary?.StreamARN;
  if (!streamArn) throw new Error(`Stream ${streamName} has no ARN`);
  const shards: KinesisShard[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: streamName }),
    );
    for (const shard of page.Shards ?? []) {
      if (shard.ShardId)
        shards.push(new KinesisShard(client, streamName, shard.ShardId, streamArn));
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return shards;
}
