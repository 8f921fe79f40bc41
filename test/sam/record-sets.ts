import { RecordAggregator } from 'aws-kinesis-agg';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { type ISpan, Span } from '../../proto/haystack.generated.js';
import { kinesisRecord, span as realisticSpan } from '../helpers/factories.js';
import { failureRecord } from '../helpers/failure-records.js';
import type { ExpectedMessage } from './expected.js';

/**
 * Record sets for the replay's end-to-end test: Kinesis events built as clients write them
 * (spans encoded by protobufjs' generated code, KPL aggregates by awslabs' aws-kinesis-agg),
 * kept as Lambda's S3 on-failure destination keeps them (test/helpers/failure-records.ts), with
 * what the collector must make of each record written beside it, from the construction alone:
 * the span messages and the dead letters.
 */

/** A refused record as the collector must dead-letter it. */
export interface ExpectedLetter {
  /** The Kinesis record's partition key. */
  key: string;
  /** The refused bytes (the user record's for a KPL part), base64. */
  value: string;
  reason: string;
  sequenceNumber: string;
  /** Position in the KPL aggregate; 0 for a plain record. */
  subSequenceNumber: string;
}

/** One record of a set, before it has a sequence number. */
export interface Entry {
  data: Buffer;
  partitionKey: string;
  spans: ExpectedMessage[];
  letters: Array<Omit<ExpectedLetter, 'sequenceNumber'>>;
}

/** A failure record ready to put in the bucket, and what replaying it must store. */
export interface PlannedSet {
  key: string;
  body: string;
  shard: string;
  records: KinesisStreamRecord[];
  spans: ExpectedMessage[];
  letters: ExpectedLetter[];
}

/** A span of trace `traceId`; the rest of its fields realistic (every tag type, a log). */
export function traceSpan(traceId: string, overrides: Partial<ISpan> = {}): ISpan {
  return realisticSpan({ traceId, ...overrides });
}

/** A span's bytes, encoded by protobufjs' generated code. */
export const spanBytes = (span: ISpan): Buffer => Buffer.from(Span.encode(span).finish());

/** One span in a plain record, partition key = traceId (as haystack-agent writes it). */
export function plain(span: ISpan): Entry {
  const value = spanBytes(span);
  const traceId = span.traceId as string;
  return {
    data: value,
    partitionKey: traceId,
    spans: [{ key: Buffer.from(traceId), value }],
    letters: [],
  };
}

/** A plain record the collector refuses for `reason`. */
export function refused(data: Buffer, reason: string, partitionKey: string): Entry {
  return {
    data,
    partitionKey,
    spans: [],
    letters: [
      { key: partitionKey, value: data.toString('base64'), reason, subSequenceNumber: '0' },
    ],
  };
}

/** A user record of a KPL aggregate: a span, or bytes refused for `reason`. */
export type KplPart = ISpan | { refused: Buffer; reason: string };

/** A KPL aggregate of `parts`; each valid span stored, each refused part dead-lettered alone. */
export function kpl(partitionKey: string, parts: readonly KplPart[]): Entry {
  const aggregator = new RecordAggregator();
  const spans: ExpectedMessage[] = [];
  const letters: Entry['letters'] = [];
  for (const [i, part] of parts.entries()) {
    if ('refused' in part) {
      aggregator.addUserRecord({ partitionKey, data: part.refused });
      letters.push({
        key: partitionKey,
        value: part.refused.toString('base64'),
        reason: part.reason,
        subSequenceNumber: String(i),
      });
    } else {
      const value = spanBytes(part);
      aggregator.addUserRecord({ partitionKey: part.traceId as string, data: value });
      spans.push({ key: Buffer.from(part.traceId as string), value });
    }
  }
  return { data: aggregator.build().data, partitionKey, spans, letters };
}

/** A KPL aggregate of `spans` whose MD5 digest is wrong: refused whole, none of its spans stored. */
export function corruptKpl(partitionKey: string, spans: readonly ISpan[]): Entry {
  const data = Buffer.from(kpl(partitionKey, spans).data);
  data[data.length - 1] = (data[data.length - 1] as number) ^ 0xff;
  return refused(data, 'kpl-checksum-mismatch', partitionKey);
}

/**
 * Builds failure records shard by shard: sequence numbers rise within a shard across the sets
 * built, and each set is given up one second after the one before (keys in the order Lambda
 * wrote them).
 */
export class RecordSets {
  private readonly positions = new Map<string, number>();
  private at = Date.now() - 3_600_000;

  set(shard: string, entries: readonly Entry[]): PlannedSet {
    let position = this.positions.get(shard) ?? 0;
    const records = entries.map((entry) =>
      kinesisRecord(entry.data, {
        position: position++,
        shardId: shard,
        partitionKey: entry.partitionKey,
      }),
    );
    this.positions.set(shard, position);
    this.at += 1000;
    const event: KinesisStreamEvent = { Records: records };
    const { key, body } = failureRecord(event, { at: new Date(this.at) });
    return {
      key,
      body,
      shard,
      records,
      spans: entries.flatMap((e) => e.spans),
      letters: entries.flatMap((e, i) =>
        e.letters.map((l) => ({
          ...l,
          sequenceNumber: (records[i] as KinesisStreamRecord).kinesis.sequenceNumber,
        })),
      ),
    };
  }
}
