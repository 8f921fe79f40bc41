import { randomUUID } from 'node:crypto';
import type { KinesisStreamEvent } from 'aws-lambda';

/**
 * Failure records exactly as Lambda writes them to an S3 on-failure destination for a Kinesis
 * mapping, built from the AWS Lambda Developer Guide ("Retain discarded batch records for a
 * Kinesis Data Streams event source in Lambda": "Example Amazon S3 invocation record" and the
 * object naming convention), independently of the replay's parser: the SQS/SNS metadata
 * (`requestContext`, `responseContext`, `version`, `timestamp`, `KinesisBatchInfo`, every field
 * present) plus `payload`, the invocation's event as an escaped JSON string.
 */
export interface FailureRecordOptions {
  mappingUuid?: string;
  /** When Lambda gave the batch up; also the time in the key. */
  at?: Date;
  condition?: 'RetryAttemptsExhausted' | 'RecordAgeExceeded';
  approximateInvokeCount?: number;
  functionName?: string;
}

export const MAPPING_UUID = 'a1b2c3d4-5678-90ab-cdef-111122223333';

export function failureRecord(
  event: KinesisStreamEvent,
  options: FailureRecordOptions = {},
): { key: string; body: string; shardId: string } {
  const first = event.Records[0];
  const last = event.Records.at(-1);
  if (!first || !last) throw new Error('A failure record holds at least one record');
  const shardId = first.eventID.split(':')[0] ?? 'shardId-000000000000';
  const at = options.at ?? new Date();
  const arrival = (seconds: number) => new Date(seconds * 1000).toISOString();
  const condition = options.condition ?? 'RetryAttemptsExhausted';
  const document = {
    requestContext: {
      requestId: randomUUID(),
      functionArn: `arn:aws:lambda:us-east-1:123456789012:function:${options.functionName ?? 'HaystackKinesisCollector-CollectorFunction'}`,
      condition,
      approximateInvokeCount: options.approximateInvokeCount ?? 1001,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: at.toISOString(),
    KinesisBatchInfo: {
      shardId,
      startSequenceNumber: first.kinesis.sequenceNumber,
      endSequenceNumber: last.kinesis.sequenceNumber,
      approximateArrivalOfFirstRecord: arrival(first.kinesis.approximateArrivalTimestamp),
      approximateArrivalOfLastRecord: arrival(last.kinesis.approximateArrivalTimestamp),
      batchSize: event.Records.length,
      streamArn: first.eventSourceARN,
    },
    payload: JSON.stringify(event),
  };
  return {
    key: failureRecordKey(options.mappingUuid ?? MAPPING_UUID, shardId, at),
    body: JSON.stringify(document),
    shardId,
  };
}

/** `aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<Random UUID>` */
export function failureRecordKey(mappingUuid: string, shardId: string, at: Date): string {
  const iso = at.toISOString();
  const day = iso.slice(0, 10);
  const time = iso.slice(11, 19).replaceAll(':', '.');
  return `aws/lambda/${mappingUuid}/${shardId}/${day.replaceAll('-', '/')}/${day}T${time}-${randomUUID()}`;
}
