import { createHash, randomUUID } from 'node:crypto';
import { RecordAggregator } from 'aws-kinesis-agg';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { type ISpan, Span, Tag } from '../../proto/haystack.generated.js';

/**
 * Factories for complete, typed test inputs: Haystack spans encoded by protobufjs' generated
 * code (an encoder independent of the hand-written scanner under test), Kinesis records and
 * events shaped like Lambda's, and KPL aggregates built by awslabs' aws-kinesis-agg.
 */

const NOW_MICROS = 1_764_000_000_000_000; // 2025-11-24, a fixed instant keeps tests repeatable

/** A realistic span: every tag type, a log, a parent; override any field. */
export function span(overrides: Partial<ISpan> = {}): ISpan {
  return {
    traceId: randomUUID(),
    spanId: randomUUID(),
    parentSpanId: randomUUID(),
    serviceName: 'checkout',
    operationName: 'POST /orders',
    startTime: NOW_MICROS,
    duration: 12_345,
    tags: [
      { key: 'span.kind', type: Tag.TagType.STRING, vStr: 'server' },
      { key: 'http.status_code', type: Tag.TagType.LONG, vLong: 200 },
      { key: 'sample.rate', type: Tag.TagType.DOUBLE, vDouble: 0.25 },
      { key: 'error', type: Tag.TagType.BOOL, vBool: false },
      { key: 'payload', type: Tag.TagType.BINARY, vBytes: Buffer.from([0, 1, 2, 255]) },
    ],
    logs: [
      {
        timestamp: NOW_MICROS + 10,
        fields: [{ key: 'event', type: Tag.TagType.STRING, vStr: 'cache-miss' }],
      },
    ],
    ...overrides,
  };
}

/** Encodes a span with protobufjs' generated code. */
export function encodeSpan(fields: Partial<ISpan> = {}): Buffer {
  return Buffer.from(Span.encode(span(fields)).finish());
}

/** Sequence numbers as Kinesis writes them: long decimal strings, increasing within a shard. */
export function sequenceNumber(n: number): string {
  return `4963${String(n).padStart(52, '0')}`;
}

export interface RecordOptions {
  /** Position used for the sequence number; defaults to 0. */
  position?: number;
  /** Seconds since epoch, as Lambda sends `approximateArrivalTimestamp`. */
  arrival?: number;
  partitionKey?: string;
  shardId?: string;
}

/** One Kinesis record as Lambda's event carries it, data base64-encoded. */
export function kinesisRecord(data: Uint8Array, options: RecordOptions = {}): KinesisStreamRecord {
  const seq = sequenceNumber(options.position ?? 0);
  const shardId = options.shardId ?? 'shardId-000000000000';
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: options.partitionKey ?? 'pk',
      sequenceNumber: seq,
      data: Buffer.from(data).toString('base64'),
      approximateArrivalTimestamp: options.arrival ?? Date.now() / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${seq}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::123456789012:role/haystack-collector',
    awsRegion: 'us-east-1',
    eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/haystack-proto-spans',
  };
}

/** An event of one record per payload, in sequence order. */
export function kinesisEvent(
  payloads: readonly Uint8Array[],
  firstPosition = 0,
): KinesisStreamEvent {
  return {
    Records: payloads.map((data, i) => kinesisRecord(data, { position: firstPosition + i })),
  };
}

/**
 * A KPL aggregate of the given user records, built by aws-kinesis-agg (an independent encoder),
 * with the given partition keys (default `pk-<index>`). It builds nothing for zero records, so
 * that one is framed by hand: magic, no fields, MD5.
 */
export function kplAggregate(
  userRecords: readonly Uint8Array[],
  partitionKeys: readonly string[] = [],
): Buffer {
  if (userRecords.length === 0) {
    return Buffer.concat([
      Buffer.from([0xf3, 0x89, 0x9a, 0xc2]),
      createHash('md5').update(Buffer.alloc(0)).digest(),
    ]);
  }
  const aggregator = new RecordAggregator();
  for (const [i, data] of userRecords.entries()) {
    const partitionKey = partitionKeys[i] ?? `pk-${i}`;
    aggregator.addUserRecord({ partitionKey, data: Buffer.from(data) });
  }
  return aggregator.build().data;
}

/** A Lambda context whose deadline is `remainingMs` from now. */
export function lambdaContext(remainingMs = 60_000): { getRemainingTimeInMillis(): number } {
  const deadline = Date.now() + remainingMs;
  return { getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) };
}
