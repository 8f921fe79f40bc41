import type { IHeaders } from 'kafkajs';
import type { Route } from './decorators/routes.js';
import type { Rejected } from './rejections.js';
import type { ValidSpan } from './spans.js';

/** A span for the main topic, a copy for a tag route, or a refused record for the dead-letter topic. */
export type MessageKind = 'span' | 'route' | 'dead-letter';

/** One Kafka message to produce, tied to the Kinesis record whose acknowledgement waits on it. */
export interface OutgoingMessage {
  /** Position of the source Kinesis record in the event. */
  recordIndex: number;
  kind: MessageKind;
  topic: string;
  /** Bootstrap list of another cluster (a route's `brokers`, joined); the main cluster when absent. */
  cluster?: string;
  /** The route's name, for `kind: 'route'`. */
  route?: string;
  /** Partitioned as the Java client would (lambda/kafka/partitioner.ts); null spreads evenly. */
  key: Buffer | null;
  value: Buffer;
  headers?: IHeaders;
}

/**
 * Upper bound of what Kafka's v2 record format adds per record (length, attributes, timestamp
 * and offset deltas, key and value lengths, header count: varints of at most 5-10 bytes each)
 * and per record batch (61-byte header). Used to keep every request under the broker's limit.
 */
export const RECORD_OVERHEAD_BYTES = 32;
export const BATCH_OVERHEAD_BYTES = 61;

/** Bytes one message adds to a produce request, rounded up. */
export function messageBytes(message: OutgoingMessage): number {
  let bytes = RECORD_OVERHEAD_BYTES + message.value.length + (message.key?.length ?? 0);
  if (message.headers) {
    for (const [name, value] of Object.entries(message.headers)) {
      bytes += 10 + Buffer.byteLength(name) + headerValueBytes(value);
    }
  }
  return bytes;
}

function headerValueBytes(value: string | Buffer | (string | Buffer)[] | undefined): number {
  if (value === undefined) return 0;
  if (Array.isArray(value))
    return value.reduce((sum, item) => sum + 10 + Buffer.byteLength(item), 0);
  return Buffer.byteLength(value);
}

/**
 * Valid spans -> messages for `topic`: key = traceId bytes, value = the span's bytes exactly as
 * received (never re-encoded, so unknown fields and field order survive). A span too large for
 * any produce request is rejected as `too-large` rather than failing its batch forever.
 */
export function spanMessages(
  spans: readonly ValidSpan[],
  topic: string,
  maxBatchBytes: number,
  rejected: Rejected[],
): OutgoingMessage[] {
  const messages: OutgoingMessage[] = [];
  for (const { record, key } of spans) {
    const message: OutgoingMessage = {
      recordIndex: record.recordIndex,
      kind: 'span',
      topic,
      key,
      value: record.data,
    };
    if (messageBytes(message) + BATCH_OVERHEAD_BYTES > maxBatchBytes) {
      rejected.push({ ...record, reason: 'too-large' });
    } else {
      messages.push(message);
    }
  }
  return messages;
}

/**
 * One extra message per route a span matched, with the span's key and value. Spans too large
 * for a request are skipped here: they were refused (and dead-lettered) as their main message.
 */
export function routeMessages(
  spans: readonly ValidSpan[],
  routes: ReadonlyArray<readonly Route[]>,
  maxBatchBytes: number,
): OutgoingMessage[] {
  const messages: OutgoingMessage[] = [];
  for (let i = 0; i < routes.length; i++) {
    const matched = routes[i];
    if (!matched || matched.length === 0) continue;
    const { record, key } = spans[i] as ValidSpan;
    for (const route of matched) {
      const message: OutgoingMessage = {
        recordIndex: record.recordIndex,
        kind: 'route',
        topic: route.topic,
        route: route.name,
        key,
        value: record.data,
      };
      if (route.brokers) message.cluster = route.brokers.join(',');
      if (messageBytes(message) + BATCH_OVERHEAD_BYTES <= maxBatchBytes) messages.push(message);
    }
  }
  return messages;
}
