import {
  ANY_BOOL,
  ANY_BYTES,
  ANY_DOUBLE,
  ANY_INT,
  ANY_STRING,
  EVENT_ATTRIBUTES,
  EVENT_NAME,
  EVENT_TIME,
  KV_KEY,
  KV_VALUE,
  REQUEST_RESOURCE_SPANS,
  RESOURCE_ATTRIBUTES,
  RESOURCE_SPANS_RESOURCE,
  RESOURCE_SPANS_SCOPE_SPANS,
  SCOPE_NAME,
  SCOPE_SPANS_SCOPE,
  SCOPE_SPANS_SPANS,
  SCOPE_VERSION,
  SPAN_ATTRIBUTES,
  SPAN_END,
  SPAN_EVENTS,
  SPAN_KIND,
  SPAN_NAME,
  SPAN_PARENT_SPAN_ID,
  SPAN_SPAN_ID,
  SPAN_START,
  SPAN_STATUS,
  SPAN_TRACE_ID,
  STATUS_CODE,
  STATUS_MESSAGE,
} from '../otlp-fields.js';
import { WIRE_FIXED64, WIRE_LEN, WIRE_VARINT } from '../wire.js';
import { WireWriter } from '../wire-writer.js';
import type { TagView } from './haystack-view.js';
import { TagValue } from './haystack-view.js';
import {
  attributeValue,
  boolValue,
  type EventPlan,
  endMicros,
  nanos,
  type OtlpSpanPlan,
} from './otlp-span.js';

/**
 * `otlp-proto` output: planned spans (otlp-span.ts) as the bytes of an OTLP
 * `ExportTraceServiceRequest`, what the OpenTelemetry Collector's `kafkareceiver` reads with
 * `encoding: otlp_proto`. Strings and values are copied from the Haystack span's bytes.
 */

const writer = new WireWriter();

/** One span's `Span` message, without its field tag; throws OutOfRange for an unmappable time. */
export function otlpSpanBytes(plan: OtlpSpanPlan): Buffer {
  const w = writer.reset();
  const { view } = plan;
  const b = view.bytes;
  const start = nanos(view.startTime);
  const end = nanos(endMicros(view));
  w.bytesField(SPAN_TRACE_ID, plan.traceId);
  w.bytesField(SPAN_SPAN_ID, plan.spanId);
  if (plan.parentSpanId.length > 0) w.bytesField(SPAN_PARENT_SPAN_ID, plan.parentSpanId);
  if (view.operationEnd > view.operationStart) {
    w.bytesField(SPAN_NAME, b, view.operationStart, view.operationEnd);
  }
  if (plan.kind !== 0) w.varintField(SPAN_KIND, plan.kind);
  if (start.lo !== 0 || start.hi !== 0) w.fixed64Field(SPAN_START, start.lo, start.hi);
  if (end.lo !== 0 || end.hi !== 0) w.fixed64Field(SPAN_END, end.lo, end.hi);
  for (const [key, value] of plan.idAttributes) {
    w.fork(SPAN_ATTRIBUTES).stringField(KV_KEY, key);
    w.fork(KV_VALUE).stringField(ANY_STRING, value).join().join();
  }
  for (const tag of plan.attributes) keyValue(w, b, SPAN_ATTRIBUTES, tag);
  for (const event of plan.events) writeEvent(w, b, event);
  if (plan.statusCode !== 0 || plan.statusMessage !== undefined) {
    w.fork(SPAN_STATUS);
    const m = plan.statusMessage;
    if (m && m.valueEnd > m.valueStart) w.bytesField(STATUS_MESSAGE, b, m.valueStart, m.valueEnd);
    if (plan.statusCode !== 0) w.varintField(STATUS_CODE, plan.statusCode);
    w.join();
  }
  return w.finish();
}

function writeEvent(w: WireWriter, b: Uint8Array, event: EventPlan): void {
  const time = nanos(event.log.timestamp);
  w.fork(SPAN_EVENTS);
  if (time.lo !== 0 || time.hi !== 0) w.fixed64Field(EVENT_TIME, time.lo, time.hi);
  const name = event.name;
  if (name) w.bytesField(EVENT_NAME, b, name.valueStart, name.valueEnd);
  for (const tag of event.attributes) keyValue(w, b, EVENT_ATTRIBUTES, tag);
  w.join();
}

/** A tag as a `KeyValue` in field `field`: the value member it holds, copied. */
function keyValue(w: WireWriter, b: Uint8Array, field: number, tag: TagView): void {
  w.fork(field);
  if (tag.keyEnd > tag.keyStart) w.bytesField(KV_KEY, b, tag.keyStart, tag.keyEnd);
  w.fork(KV_VALUE);
  const set = tag.value !== TagValue.none;
  switch (attributeValue(tag)) {
    case TagValue.str:
      w.bytesField(ANY_STRING, b, tag.valueStart, set ? tag.valueEnd : tag.valueStart);
      break;
    case TagValue.long:
      w.tag(ANY_INT, WIRE_VARINT);
      if (set) w.raw(b, tag.valueStart, tag.valueEnd);
      else w.uint32(0);
      break;
    case TagValue.double:
      w.tag(ANY_DOUBLE, WIRE_FIXED64);
      if (set) w.raw(b, tag.valueStart, tag.valueEnd);
      else w.fixed64(0, 0);
      break;
    case TagValue.bool:
      w.varintField(ANY_BOOL, set && boolValue(b, tag) ? 1 : 0);
      break;
    case TagValue.bytes:
      w.bytesField(ANY_BYTES, b, tag.valueStart, set ? tag.valueEnd : tag.valueStart);
      break;
  }
  w.join().join();
}

/** Spans of one resource (service) and one instrumentation scope, each already encoded. */
export interface ScopeGroup {
  serviceName: string;
  scopeName: string;
  scopeVersion: string;
  spans: Buffer[];
}

/** One `ExportTraceServiceRequest`: a `ResourceSpans` per group, in order. */
export function otlpRequestBytes(groups: readonly ScopeGroup[]): Buffer {
  const w = writer.reset();
  for (const group of groups) {
    w.fork(REQUEST_RESOURCE_SPANS);
    w.fork(RESOURCE_SPANS_RESOURCE);
    w.fork(RESOURCE_ATTRIBUTES).stringField(KV_KEY, 'service.name');
    w.fork(KV_VALUE).stringField(ANY_STRING, group.serviceName).join().join();
    w.join();
    w.fork(RESOURCE_SPANS_SCOPE_SPANS);
    if (group.scopeName !== '' || group.scopeVersion !== '') {
      w.fork(SCOPE_SPANS_SCOPE);
      if (group.scopeName !== '') w.stringField(SCOPE_NAME, group.scopeName);
      if (group.scopeVersion !== '') w.stringField(SCOPE_VERSION, group.scopeVersion);
      w.join();
    }
    for (const span of group.spans) {
      w.tag(SCOPE_SPANS_SPANS, WIRE_LEN).uint32(span.length).raw(span);
    }
    w.join().join();
  }
  return w.finish();
}

/** Bytes a request adds around its spans per group, at most: for cutting a trace to size. */
export function groupOverheadBytes(group: Omit<ScopeGroup, 'spans'>): number {
  return (
    48 +
    Buffer.byteLength(group.serviceName) +
    Buffer.byteLength(group.scopeName) +
    Buffer.byteLength(group.scopeVersion)
  );
}

/** Bytes a span adds to a request beyond its own: the field tag and length. */
export const SPAN_FIELD_OVERHEAD = 6;
