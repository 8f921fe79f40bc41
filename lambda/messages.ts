import type { IHeaders } from 'kafkajs';
import type { Route } from './decorators/routes.js';
import { otlpTraceMessages } from './outputs/otlp-messages.js';
import { isOtlp, type OutputFormat } from './outputs/output-formats.js';
import type { SpanOutputs } from './outputs/span-outputs.js';
import type { Rejected } from './rejections.js';
import type { ValidSpan } from './spans.js';

/** A span for the main topic, a copy for a tag route, or a refused record for the dead-letter topic. */
export type MessageKind = 'span' | 'route' | 'dead-letter';

/** One Kafka message to produce, tied to the earliest Kinesis record whose acknowledgement waits on it. */
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
  /**
   * Spans the message carries, when not one: an OTLP message holds a trace's spans. Its
   * `recordIndex` is the earliest of their records, so an unacknowledged message brings back
   * every record it carries a span of.
   */
  spans?: number;
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

/** Where a set of spans goes: the main topic, or a route's. */
interface Output {
  kind: 'span' | 'route';
  topic: string;
  format: OutputFormat;
  route?: Route;
}

/**
 * Valid spans -> messages for `topic` in the output format. `proto`: key = traceId bytes,
 * value = the span's bytes exactly as received (never re-encoded, so unknown fields and field
 * order survive); `json`: the same key, the original's JSON; `otlp-proto` / `otlp-json`: one
 * OTLP request per trace, keyed by the OTLP trace id's hex (outputs/otlp-messages.ts). A span
 * too large for any produce request is rejected as `too-large`, one OTLP cannot hold as
 * `unmappable-otlp`, rather than failing its batch forever.
 */
export function spanMessages(
  outputs: SpanOutputs,
  topic: string,
  format: OutputFormat,
  maxBatchBytes: number,
  rejected: Rejected[],
): OutgoingMessage[] {
  const all = outputs.spans.map((_, i) => i);
  return outputMessages(outputs, all, { kind: 'span', topic, format }, maxBatchBytes, (i, why) => {
    outputs.refused.add(i);
    rejected.push({ ...(outputs.spans[i] as ValidSpan).record, reason: why });
  });
}

/**
 * The messages of every route, route by route (so each route's messages form requests of
 * their own), in the route's output format (`output`, else `format`, the main one). Spans the
 * main output refused are left out: they were dead-lettered. A copy too large for a request or
 * that OTLP cannot hold is skipped, as its span was refused in the main output.
 */
export function routeMessages(
  outputs: SpanOutputs,
  routes: ReadonlyArray<readonly Route[]>,
  format: OutputFormat,
  maxBatchBytes: number,
): OutgoingMessage[] {
  const byRoute = new Map<Route, number[]>();
  for (let i = 0; i < routes.length; i++) {
    if (outputs.refused.has(i)) continue;
    for (const route of routes[i] ?? []) {
      const list = byRoute.get(route);
      if (list) list.push(i);
      else byRoute.set(route, [i]);
    }
  }
  const messages: OutgoingMessage[] = [];
  for (const [route, indexes] of byRoute) {
    const output: Output = {
      kind: 'route',
      topic: route.topic,
      format: route.output ?? format,
      route,
    };
    messages.push(...outputMessages(outputs, indexes, output, maxBatchBytes, () => {}));
  }
  return messages;
}

/** The messages of the spans at `indexes` for one output; `refuse` gets those that cannot go. */
function outputMessages(
  outputs: SpanOutputs,
  indexes: readonly number[],
  output: Output,
  maxBatchBytes: number,
  refuse: (index: number, reason: 'too-large' | 'unmappable-otlp') => void,
): OutgoingMessage[] {
  const messages: OutgoingMessage[] = [];
  const fits = (message: OutgoingMessage) =>
    messageBytes(message) + BATCH_OVERHEAD_BYTES <= maxBatchBytes;
  const base = (recordIndex: number, key: Buffer, value: Buffer): OutgoingMessage => {
    const message: OutgoingMessage = {
      recordIndex,
      kind: output.kind,
      topic: output.topic,
      key,
      value,
    };
    if (output.route) {
      message.route = output.route.name;
      if (output.route.brokers) message.cluster = output.route.brokers.join(',');
    }
    return message;
  };

  const { format } = output;
  if (!isOtlp(format)) {
    for (const i of indexes) {
      const { record, key } = outputs.spans[i] as ValidSpan;
      const message = base(record.recordIndex, key, outputs.value(i, format));
      if (fits(message)) messages.push(message);
      else refuse(i, 'too-large');
    }
    return messages;
  }

  // Room for the value once the key (32 hex digits) and the record's framing are counted.
  const maxValue = maxBatchBytes - BATCH_OVERHEAD_BYTES - RECORD_OVERHEAD_BYTES - 32;
  const { messages: traces, unfit } = otlpTraceMessages(outputs, indexes, format, maxValue);
  for (const i of unfit) {
    refuse(i, outputs.otlpSpan(i, format) === null ? 'unmappable-otlp' : 'too-large');
  }
  for (const trace of traces) {
    const first = outputs.spans[trace.spanIndexes[0] as number] as ValidSpan;
    const message = base(first.record.recordIndex, trace.key, trace.value);
    message.spans = trace.spanIndexes.length;
    messages.push(message);
  }
  return messages;
}
