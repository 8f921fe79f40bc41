import { otlpRequestJson } from './otlp-json-writer.js';
import { groupOverheadBytes, otlpRequestBytes } from './otlp-proto-writer.js';
import type { OtlpOutputFormat } from './output-formats.js';
import type { OtlpEncodedSpan, SpanOutputs } from './span-outputs.js';

/**
 * OTLP output is one message per trace of an invocation, not one per span:
 *
 * - the Collector's `kafkareceiver` takes any number of spans per message, and its own
 *   `kafkaexporter` (`partition_traces_by_id`) writes exactly this: one request per trace,
 *   keyed by the trace id's hex, so Jaeger's and Tempo's ingesters, tail sampling and
 *   anything else behind the Collector see a trace's spans together;
 * - the resource (`service.name`) and scope are written once per message instead of once per
 *   span, and Kafka carries a quarter of the messages for the traffic's ~4 spans per trace;
 * - accounting stays exact: a message names the earliest record whose spans it carries, so an
 *   unacknowledged message makes Lambda re-deliver from that record, which brings back every
 *   record with a span in it (lambda/failures.ts).
 *
 * A trace larger than a message may be (`maxValueBytes`) is cut into several, each a valid
 * request of some of its spans; a single span too large for a message is `unfit`.
 */
export interface TraceMessage {
  /** Positions of the spans it carries, in order; the first is the earliest record. */
  spanIndexes: number[];
  /** The trace id's lowercase hex, as UTF-8. */
  key: Buffer;
  value: Buffer;
}

/** The OTLP messages of the spans at `indexes`, grouped per trace; spans OTLP cannot hold are `unfit`. */
export function otlpTraceMessages(
  outputs: SpanOutputs,
  indexes: Iterable<number>,
  format: OtlpOutputFormat,
  maxValueBytes: number,
): { messages: TraceMessage[]; unfit: number[] } {
  const traces = new Map<string, number[]>();
  const unfit: number[] = [];
  for (const index of indexes) {
    const span = outputs.otlpSpan(index, format);
    if (span === null) {
      unfit.push(index);
      continue;
    }
    const trace = traces.get(span.traceHex);
    if (trace) trace.push(index);
    else traces.set(span.traceHex, [index]);
  }
  const messages: TraceMessage[] = [];
  for (const [traceHex, spanIndexes] of traces) {
    const key = Buffer.from(traceHex, 'latin1');
    const spans = spanIndexes.map((i) => outputs.otlpSpan(i, format) as OtlpEncodedSpan);
    for (const chunk of chunks(spans, spanIndexes, format, maxValueBytes, unfit)) {
      messages.push(...build(chunk, key, format, maxValueBytes, unfit));
    }
  }
  return { messages, unfit };
}

interface Chunk {
  spans: OtlpEncodedSpan[];
  indexes: number[];
}

/** Cuts one trace's spans into runs whose estimated request size fits. */
function chunks(
  spans: readonly OtlpEncodedSpan[],
  indexes: readonly number[],
  format: OtlpOutputFormat,
  max: number,
  unfit: number[],
): Chunk[] {
  const out: Chunk[] = [];
  let current: Chunk = { spans: [], indexes: [] };
  let size = 0;
  let groups = new Set<string>();
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i] as OtlpEncodedSpan;
    const group = groupKey(span);
    const extra = span.bytes + (groups.has(group) ? 0 : overhead(span, format));
    if (extra > max) {
      unfit.push(indexes[i] as number);
      continue;
    }
    if (size + extra > max && current.spans.length > 0) {
      out.push(current);
      current = { spans: [], indexes: [] };
      size = 0;
      groups = new Set();
      i--; // the span starts the next chunk, with its group's overhead counted again
      continue;
    }
    groups.add(group);
    current.spans.push(span);
    current.indexes.push(indexes[i] as number);
    size += extra;
  }
  if (current.spans.length > 0) out.push(current);
  return out;
}

/** The chunk's request; halved again in the (unexpected) case the estimate fell short. */
function build(
  chunk: Chunk,
  key: Buffer,
  format: OtlpOutputFormat,
  max: number,
  unfit: number[],
): TraceMessage[] {
  const value = requestValue(chunk.spans, format);
  if (value.length <= max) return [{ spanIndexes: chunk.indexes, key, value }];
  if (chunk.spans.length === 1) {
    unfit.push(chunk.indexes[0] as number);
    return [];
  }
  const half = chunk.spans.length >> 1;
  return [
    ...build(
      { spans: chunk.spans.slice(0, half), indexes: chunk.indexes.slice(0, half) },
      key,
      format,
      max,
      unfit,
    ),
    ...build(
      { spans: chunk.spans.slice(half), indexes: chunk.indexes.slice(half) },
      key,
      format,
      max,
      unfit,
    ),
  ];
}

/** Spans grouped by resource and scope in order of first appearance, as one request. */
function requestValue(spans: readonly OtlpEncodedSpan[], format: OtlpOutputFormat): Buffer {
  const groups = new Map<
    string,
    { serviceName: string; scopeName: string; scopeVersion: string; spans: unknown[] }
  >();
  for (const span of spans) {
    const key = groupKey(span);
    let group = groups.get(key);
    if (group === undefined) {
      group = {
        serviceName: span.serviceName,
        scopeName: span.scopeName,
        scopeVersion: span.scopeVersion,
        spans: [],
      };
      groups.set(key, group);
    }
    group.spans.push(span.encoded);
  }
  const list = [...groups.values()];
  return format === 'otlp-proto'
    ? otlpRequestBytes(list as Parameters<typeof otlpRequestBytes>[0])
    : otlpRequestJson(list as Parameters<typeof otlpRequestJson>[0]);
}

function groupKey(span: OtlpEncodedSpan): string {
  return `${span.serviceName}\u0000${span.scopeName}\u0000${span.scopeVersion}`;
}

/** Bytes a group's resource and scope add to a request, at most. */
function overhead(span: OtlpEncodedSpan, format: OtlpOutputFormat): number {
  if (format === 'otlp-proto') return groupOverheadBytes(span);
  // JSON: the fixed text of a resource and scope, plus the names escaped (at most 6 bytes a byte).
  return (
    160 +
    6 *
      (Buffer.byteLength(span.serviceName) +
        Buffer.byteLength(span.scopeName) +
        Buffer.byteLength(span.scopeVersion))
  );
}
