import type { KinesisStreamRecord } from 'aws-lambda';

/** One stored Kinesis record, as GetRecords returns it. */
export interface StoredRecord {
  data: Uint8Array;
  sequenceNumber: string;
  partitionKey: string;
  /** ApproximateArrivalTimestamp, epoch milliseconds. */
  arrivalMs: number;
}

/** Where the record was read from, for the fields Lambda adds around it. */
export interface RecordOrigin {
  shardId: string;
  streamArn: string;
  /** Defaults to the ARN's region. */
  awsRegion?: string;
  /** The function's execution role as Lambda reports it; a placeholder locally. */
  invokeIdentityArn?: string;
}

const LOCAL_ROLE = 'arn:aws:iam::000000000000:role/local-event-source-mapping';

/**
 * A stored record in the shape Lambda's event carries it: data base64-encoded, arrival in
 * epoch seconds with a fraction, `eventID` = `<shardId>:<sequenceNumber>`.
 */
export function toLambdaRecord(record: StoredRecord, origin: RecordOrigin): KinesisStreamRecord {
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: record.partitionKey,
      sequenceNumber: record.sequenceNumber,
      data: Buffer.from(
        record.data.buffer,
        record.data.byteOffset,
        record.data.byteLength,
      ).toString('base64'),
      approximateArrivalTimestamp: record.arrivalMs / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${origin.shardId}:${record.sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: origin.invokeIdentityArn ?? LOCAL_ROLE,
    awsRegion: origin.awsRegion ?? regionOf(origin.streamArn),
    eventSourceARN: origin.streamArn,
  };
}

/**
 * Bytes this record adds to the invocation payload: its JSON plus the separating comma. The
 * 6 MB limit applies to the event JSON, so base64 and the envelope fields count, not just data.
 */
export function payloadBytes(record: KinesisStreamRecord): number {
  return Buffer.byteLength(JSON.stringify(record)) + 1;
}

/** `{"Records":[]}`: the bytes an event has before its first record. */
export const EVENT_ENVELOPE_BYTES = Buffer.byteLength('{"Records":[]}');

function regionOf(arn: string): string {
  return arn.split(':')[3] || 'us-east-1';
}
