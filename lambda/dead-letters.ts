import type { KinesisStreamRecord } from 'aws-lambda';
import { BATCH_OVERHEAD_BYTES, messageBytes, type OutgoingMessage } from './messages.js';
import { partitionKeyOf } from './records.js';
import type { Rejected } from './rejections.js';

/**
 * Refused records -> dead-letter messages: the bytes as received, and headers saying why and
 * where from, so an operator can inspect, fix and replay them. A dead letter waits for Kafka's
 * acknowledgement like a span: its record is re-delivered until the dead letter is stored, so
 * nothing is dropped silently.
 */

const EMPTY = Buffer.alloc(0);

/** Header names of a dead letter. Values are UTF-8 strings. */
export const DeadLetterHeader = {
  reason: 'dlq.reason',
  /** Set when the value had to be cut to fit a produce request: the original length in bytes. */
  truncatedFrom: 'dlq.truncated-from',
  streamArn: 'kinesis.stream.arn',
  shardId: 'kinesis.shard.id',
  sequenceNumber: 'kinesis.sequence.number',
  /** Position within the KPL aggregate; 0 for a plain record. */
  subSequenceNumber: 'kinesis.subsequence.number',
  /** Position of the span within a multi-span record (`INPUT_FORMAT` other than `haystack-span`). */
  spanIndex: 'dlq.span.index',
  partitionKey: 'kinesis.partition.key',
  /** Epoch milliseconds of the record's arrival in Kinesis. */
  arrivalTime: 'kinesis.arrival.time',
} as const;

/**
 * One dead letter per refused record, keyed by the user record's Kinesis partition key
 * (haystack-agent uses the traceId; a KPL sub-record's own key, not its aggregate's), in the
 * order of their records.
 *
 * A value too large for any produce request (only possible for `too-large` spans and huge
 * undecodable records) is cut to fit, with `dlq.truncated-from` giving its real length: Kafka
 * cannot store it whole, and its sequence number says where to re-read it in the stream.
 */
export function deadLetters(
  rejected: readonly Rejected[],
  records: readonly KinesisStreamRecord[],
  topic: string,
  maxBatchBytes: number,
): OutgoingMessage[] {
  const letters = rejected.map((item) =>
    deadLetter(item, records[item.recordIndex], topic, maxBatchBytes),
  );
  return letters.sort((a, b) => a.recordIndex - b.recordIndex);
}

function deadLetter(
  item: Rejected,
  record: KinesisStreamRecord | undefined,
  topic: string,
  maxBatchBytes: number,
): OutgoingMessage {
  const { recordIndex, subIndex, spanIndex, reason, data } = item;
  const kinesis = (record as Partial<KinesisStreamRecord> | undefined)?.kinesis;
  const partitionKey = partitionKeyOf(item, record);
  const headers: Record<string, string> = { [DeadLetterHeader.reason]: reason };
  setIfString(headers, DeadLetterHeader.streamArn, record?.eventSourceARN);
  setIfString(headers, DeadLetterHeader.shardId, shardOf(record?.eventID));
  setIfString(headers, DeadLetterHeader.sequenceNumber, kinesis?.sequenceNumber);
  headers[DeadLetterHeader.subSequenceNumber] = String(subIndex);
  if (spanIndex !== undefined) headers[DeadLetterHeader.spanIndex] = String(spanIndex);
  setIfString(headers, DeadLetterHeader.partitionKey, partitionKey);
  const arrival = kinesis?.approximateArrivalTimestamp;
  if (typeof arrival === 'number' && Number.isFinite(arrival)) {
    headers[DeadLetterHeader.arrivalTime] = String(Math.round(arrival * 1000));
  }
  const key = partitionKey === undefined ? null : Buffer.from(partitionKey);
  // A record without data (malformed event) is kept as the JSON Lambda delivered.
  const value =
    data.length > 0 || reason !== 'malformed-event' ? data : Buffer.from(safeJson(record));
  const letter: OutgoingMessage = { recordIndex, kind: 'dead-letter', topic, key, value, headers };
  return fitted(letter, maxBatchBytes);
}

/** Cuts the value so the letter fits one request, recording the original length. */
function fitted(letter: OutgoingMessage, maxBatchBytes: number): OutgoingMessage {
  if (messageBytes(letter) + BATCH_OVERHEAD_BYTES <= maxBatchBytes) return letter;
  const headers = {
    ...letter.headers,
    [DeadLetterHeader.truncatedFrom]: String(letter.value.length),
  };
  const room =
    maxBatchBytes - BATCH_OVERHEAD_BYTES - messageBytes({ ...letter, headers, value: EMPTY });
  return { ...letter, headers, value: letter.value.subarray(0, Math.max(0, room)) };
}

/** `shardId-000000000000:4963…` -> `shardId-000000000000`. */
function shardOf(eventId: unknown): string | undefined {
  if (typeof eventId !== 'string') return undefined;
  const colon = eventId.indexOf(':');
  return colon > 0 ? eventId.slice(0, colon) : undefined;
}

function setIfString(headers: Record<string, string>, name: string, value: unknown): void {
  if (typeof value === 'string' && value.length > 0) headers[name] = value;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return String(value);
  }
}
