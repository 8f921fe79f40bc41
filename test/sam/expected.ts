import { deaggregateSync } from 'aws-kinesis-agg';
import type { KinesisStreamEvent } from 'aws-lambda';
import { Span } from '../../proto/haystack.generated.js';

/** One message the collector must have produced: where, and the exact bytes. */
export interface ExpectedMessage {
  key: Buffer;
  value: Buffer;
}

/**
 * Every span of an event as the collector must produce it: the user records of each Kinesis
 * record (KPL aggregates unpacked by awslabs' aws-kinesis-agg, not the collector's code), keyed
 * by the traceId protobufjs reads from the span, the value the span's bytes as sent.
 */
export function expectedSpans(event: KinesisStreamEvent): ExpectedMessage[] {
  return event.Records.flatMap((record) =>
    userRecords(record.kinesis.data).map((value) => ({
      key: Buffer.from(Span.decode(value).traceId),
      value,
    })),
  );
}

function userRecords(data: string): Buffer[] {
  let out: Buffer[] = [];
  deaggregateSync({ data }, true, (error, records) => {
    if (error) throw error;
    out = (records ?? []).map((r) => Buffer.from(r.data, 'base64'));
  });
  return out;
}

/** A stored message as one comparable line: partition, key and value (hex). */
export function messageRow(m: {
  partition: number;
  key: Buffer | null;
  value: Buffer | null;
}): string {
  return `${m.partition} ${m.key?.toString('hex')} ${m.value?.toString('hex')}`;
}
