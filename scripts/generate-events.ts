#!/usr/bin/env node
/**
 * `npm run events`: writes the sample Kinesis events in events/ for `sam local invoke` and
 * `npm run invoke`. Spans are encoded by protobufjs' generated code (proto/haystack.generated.js)
 * and KPL aggregates by awslabs' aws-kinesis-agg, the encoders clients use, not the collector's
 * own decoder. Everything is derived from fixed values, so running it again rewrites the same
 * bytes (a test checks that the files in git are what this script writes).
 *
 *   valid-spans.json      12 records, one span each, 4 traces
 *   kpl-aggregated.json   3 records: two KPL aggregates (5 and 8 spans) and one plain span
 *   invalid-records.json  7 records the collector refuses for good, one per reason
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RecordAggregator } from 'aws-kinesis-agg';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { type ISpan, Span, Tag } from '../proto/haystack.generated.js';

/** 2025-11-24T16:00:00Z in microseconds, Haystack's unit for start times. */
const START_MICROS = 1_764_000_000_000_000;
const ARRIVAL_SECONDS = 1_764_000_001.5;
const REGION = 'us-east-1';
const STREAM_ARN = `arn:aws:kinesis:${REGION}:123456789012:stream/haystack-proto-spans`;

/** A stable UUID-shaped ID from a label, so every run writes the same IDs. */
export function stableId(label: string): string {
  const hex = createHash('sha256').update(label).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A realistic span of trace `trace`, number `n` within it. */
export function sampleSpan(trace: number, n: number, overrides: Partial<ISpan> = {}): ISpan {
  return {
    traceId: stableId(`trace-${trace}`),
    spanId: stableId(`trace-${trace}-span-${n}`),
    parentSpanId: n === 0 ? '' : stableId(`trace-${trace}-span-${n - 1}`),
    serviceName: ['checkout', 'payments', 'inventory', 'shipping'][trace % 4],
    operationName: n === 0 ? 'POST /orders' : `call-${n}`,
    startTime: START_MICROS + trace * 1_000_000 + n * 1_000,
    duration: 5_000 + n * 250,
    tags: [
      { key: 'span.kind', type: Tag.TagType.STRING, vStr: n === 0 ? 'server' : 'client' },
      { key: 'http.status_code', type: Tag.TagType.LONG, vLong: 200 },
      { key: 'error', type: Tag.TagType.BOOL, vBool: false },
    ],
    logs: [
      {
        timestamp: START_MICROS + trace * 1_000_000 + n * 1_000 + 10,
        fields: [{ key: 'event', type: Tag.TagType.STRING, vStr: 'sent' }],
      },
    ],
    ...overrides,
  };
}

export function encode(span: ISpan): Buffer {
  return Buffer.from(Span.encode(span).finish());
}

/** A KPL aggregate of the payloads, partition key per user record as the KPL would set it. */
export function aggregate(payloads: readonly Buffer[], partitionKeys: readonly string[]): Buffer {
  const aggregator = new RecordAggregator();
  payloads.forEach((data, i) => {
    aggregator.addUserRecord({ partitionKey: partitionKeys[i] ?? `pk-${i}`, data });
  });
  return aggregator.build().data;
}

/** One record as Lambda delivers it; sequence numbers increase with `position`. */
export function record(data: Buffer, position: number, partitionKey: string): KinesisStreamRecord {
  const sequenceNumber = `4963${String(7_000 + position).padStart(52, '0')}`;
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey,
      sequenceNumber,
      data: data.toString('base64'),
      approximateArrivalTimestamp: ARRIVAL_SECONDS + position / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `shardId-000000000000:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::123456789012:role/HaystackKinesisCollector-CollectorRole',
    awsRegion: REGION,
    eventSourceARN: STREAM_ARN,
  };
}

export function validSpansEvent(): KinesisStreamEvent {
  const spans = Array.from({ length: 12 }, (_, i) => sampleSpan(i % 4, Math.floor(i / 4)));
  return { Records: spans.map((span, i) => record(encode(span), i, span.traceId as string)) };
}

export function kplAggregatedEvent(): KinesisStreamEvent {
  const first = Array.from({ length: 5 }, (_, n) => sampleSpan(10, n));
  const second = Array.from({ length: 8 }, (_, n) => sampleSpan(11 + (n % 2), n));
  const plain = sampleSpan(13, 0);
  const keys = (spans: ISpan[]) => spans.map((s) => s.traceId as string);
  return {
    Records: [
      record(aggregate(first.map(encode), keys(first)), 0, 'kpl-0'),
      record(aggregate(second.map(encode), keys(second)), 1, 'kpl-1'),
      record(encode(plain), 2, plain.traceId as string),
    ],
  };
}

/** One record per way a record is refused for good; none of them may be reported as a failure. */
export function invalidRecordsEvent(): KinesisStreamEvent {
  const payloads: Array<[string, Buffer]> = [
    ['not-protobuf', Buffer.from('{"traceId":"json is not a span"}')],
    ['missing-service-name', encode(sampleSpan(20, 0, { serviceName: '' }))],
    ['missing-operation-name', encode(sampleSpan(21, 0, { operationName: '' }))],
    ['missing-span-id', encode(sampleSpan(22, 0, { spanId: '' }))],
    ['missing-trace-id', encode(sampleSpan(23, 0, { traceId: '' }))],
    [
      'start-time-in-milliseconds',
      encode(sampleSpan(24, 0, { startTime: Math.floor(START_MICROS / 1000) })),
    ],
    ['truncated', encode(sampleSpan(25, 0)).subarray(0, 20)],
  ];
  return { Records: payloads.map(([key, data], i) => record(data, i, key)) };
}

/** The files this script writes, by name. */
export function sampleEvents(): Record<string, KinesisStreamEvent> {
  return {
    'valid-spans.json': validSpansEvent(),
    'kpl-aggregated.json': kplAggregatedEvent(),
    'invalid-records.json': invalidRecordsEvent(),
  };
}

function main(): void {
  const dir = path.resolve('events');
  mkdirSync(dir, { recursive: true });
  for (const [name, event] of Object.entries(sampleEvents())) {
    writeFileSync(path.join(dir, name), `${JSON.stringify(event, null, 2)}\n`);
    console.log(`events/${name}: ${event.Records.length} records`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(__filename)) main();
