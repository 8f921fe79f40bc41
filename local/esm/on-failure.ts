import type { KinesisStreamRecord } from 'aws-lambda';

/** Why Lambda gave a batch up. */
export type DiscardCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

/**
 * What Lambda sends to an on-failure destination (SQS/SNS) for a discarded Kinesis batch:
 * metadata only, never the data. The records must be re-read from the stream by sequence
 * number before its retention ends.
 */
export interface OnFailureRecord {
  requestContext: {
    condition: DiscardCondition;
    /** Invocations this batch saw (0 when it expired before any). */
    approximateInvokeCount: number;
  };
  /** The last failure seen for it, when there was one. */
  responseContext?: { functionError: string };
  timestamp: string;
  KinesisBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord: string;
    approximateArrivalOfLastRecord: string;
    batchSize: number;
    streamArn: string;
  };
}

/** The on-failure message for a non-empty run of records Lambda gives up. */
export function onFailureRecord(
  records: readonly KinesisStreamRecord[],
  shardId: string,
  condition: DiscardCondition,
  invokeCount: number,
  lastError: string | undefined,
): OnFailureRecord {
  const first = records[0];
  const last = records.at(-1);
  if (!first || !last) throw new Error('An on-failure record needs at least one record');
  const arrival = (r: KinesisStreamRecord) =>
    new Date(r.kinesis.approximateArrivalTimestamp * 1000).toISOString();
  return {
    requestContext: { condition, approximateInvokeCount: invokeCount },
    ...(lastError === undefined ? {} : { responseContext: { functionError: lastError } }),
    timestamp: new Date().toISOString(),
    KinesisBatchInfo: {
      shardId,
      startSequenceNumber: first.kinesis.sequenceNumber,
      endSequenceNumber: last.kinesis.sequenceNumber,
      approximateArrivalOfFirstRecord: arrival(first),
      approximateArrivalOfLastRecord: arrival(last),
      batchSize: records.length,
      streamArn: first.eventSourceARN,
    },
  };
}
