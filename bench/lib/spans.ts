import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { toLambdaRecord } from '../../local/esm/lambda-record.js';
import { memorySequenceNumber } from '../../local/esm/memory-shard.js';
import { aggregate } from '../../local/generator/kpl.js';
import { Traffic } from '../../local/generator/traffic.js';

/**
 * Benchmark inputs: realistic Haystack spans (~350 bytes: the generator of `npm start`, every
 * tag type, logs, no invalid ones unless asked) and Lambda-shaped events holding them.
 */

/** `n` valid spans with their traceIds, always the same for the same seed. */
export function benchSpans(n: number, seed = 42): { bytes: Buffer; traceId: string }[] {
  const traffic = new Traffic({ seed, invalidShare: 0, kpl: 'none', nowMs: 1_764_000_000_000 });
  return Array.from({ length: n }, () => {
    const entry = traffic.next();
    return { bytes: entry.data, traceId: entry.partitionKey };
  });
}

const ORIGIN = {
  shardId: 'shardId-000000000000',
  streamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/haystack-proto-spans',
};

/** One Kinesis record per span, as Lambda delivers them. */
export function plainEvent(
  spans: readonly { bytes: Buffer; traceId: string }[],
): KinesisStreamEvent {
  return {
    Records: spans.map(
      (s, i): KinesisStreamRecord =>
        toLambdaRecord(
          {
            data: s.bytes,
            sequenceNumber: memorySequenceNumber(i),
            partitionKey: s.traceId,
            arrivalMs: Date.now(),
          },
          ORIGIN,
        ),
    ),
  };
}

/** KPL aggregates of `perAggregate` spans each, as haystack-agent's KPL sends them. */
export function kplEvent(
  spans: readonly { bytes: Buffer; traceId: string }[],
  perAggregate: number,
): KinesisStreamEvent {
  const records: KinesisStreamRecord[] = [];
  for (let i = 0; i < spans.length; i += perAggregate) {
    const group = spans
      .slice(i, i + perAggregate)
      .map((s) => ({ data: s.bytes, partitionKey: s.traceId }));
    records.push(
      toLambdaRecord(
        {
          data: aggregate(group),
          sequenceNumber: memorySequenceNumber(records.length),
          partitionKey: group[0]?.partitionKey ?? 'pk',
          arrivalMs: Date.now(),
        },
        ORIGIN,
      ),
    );
  }
  return { Records: records };
}

/** Bytes of the event's JSON: what Lambda's 6 MB invocation limit counts. */
export function eventBytes(event: KinesisStreamEvent): number {
  return Buffer.byteLength(JSON.stringify(event));
}

/** A fresh deep copy, as every invocation gets freshly parsed JSON. */
export function copyEvent(event: KinesisStreamEvent): KinesisStreamEvent {
  return { Records: event.Records.map((r) => ({ ...r, kinesis: { ...r.kinesis } })) };
}
