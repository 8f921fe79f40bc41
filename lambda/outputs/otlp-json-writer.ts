import type { TagView } from './haystack-view.js';
import { TagValue } from './haystack-view.js';
import {
  attributeValue,
  boolValue,
  type EventPlan,
  endMicros,
  nanosText,
  type OtlpSpanPlan,
} from './otlp-span.js';

/**
 * `otlp-json` output: planned spans (otlp-span.ts) as OTLP/JSON, what the OpenTelemetry
 * Collector's `kafkareceiver` reads with `encoding: otlp_json`. It is protobuf's JSON mapping
 * with the OTLP specification's exceptions, which the Collector insists on: trace and span ids
 * as lowercase hex (not base64), enums (kind, status code) as integers. 64-bit integers
 * (times, `intValue`) are decimal strings, bytes base64, NaN and infinities strings; fields at
 * their default value are left out.
 */

/** One span's JSON object; throws OutOfRange for an unmappable time. */
export function otlpSpanJson(plan: OtlpSpanPlan): string {
  const { view } = plan;
  const b = Buffer.from(view.bytes.buffer, view.bytes.byteOffset, view.bytes.byteLength);
  const start = nanosText(view.startTime);
  const end = nanosText(endMicros(view));
  let out = `{"traceId":"${plan.traceId.toString('hex')}","spanId":"${plan.spanId.toString('hex')}"`;
  if (plan.parentSpanId.length > 0) out += `,"parentSpanId":"${plan.parentSpanId.toString('hex')}"`;
  if (view.operationEnd > view.operationStart) {
    out += `,"name":${JSON.stringify(b.toString('utf8', view.operationStart, view.operationEnd))}`;
  }
  if (plan.kind !== 0) out += `,"kind":${plan.kind}`;
  if (start !== '0') out += `,"startTimeUnixNano":"${start}"`;
  if (end !== '0') out += `,"endTimeUnixNano":"${end}"`;
  const attributes = plan.idAttributes.map(
    ([key, value]) =>
      `{"key":${JSON.stringify(key)},"value":{"stringValue":${JSON.stringify(value)}}}`,
  );
  for (const tag of plan.attributes) attributes.push(keyValue(b, tag));
  if (attributes.length > 0) out += `,"attributes":[${attributes.join(',')}]`;
  if (plan.events.length > 0) out += `,"events":[${plan.events.map((e) => event(b, e)).join(',')}]`;
  if (plan.statusCode !== 0 || plan.statusMessage !== undefined) {
    const parts: string[] = [];
    const m = plan.statusMessage;
    if (m && m.valueEnd > m.valueStart) {
      parts.push(`"message":${JSON.stringify(b.toString('utf8', m.valueStart, m.valueEnd))}`);
    }
    if (plan.statusCode !== 0) parts.push(`"code":${plan.statusCode}`);
    out += `,"status":{${parts.join(',')}}`;
  }
  return `${out}}`;
}

function event(b: Buffer, plan: EventPlan): string {
  const parts: string[] = [];
  const time = nanosText(plan.log.timestamp);
  if (time !== '0') parts.push(`"timeUnixNano":"${time}"`);
  if (plan.name) {
    parts.push(
      `"name":${JSON.stringify(b.toString('utf8', plan.name.valueStart, plan.name.valueEnd))}`,
    );
  }
  if (plan.attributes.length > 0) {
    parts.push(`"attributes":[${plan.attributes.map((t) => keyValue(b, t)).join(',')}]`);
  }
  return `{${parts.join(',')}}`;
}

function keyValue(b: Buffer, tag: TagView): string {
  return `{"key":${JSON.stringify(b.toString('utf8', tag.keyStart, tag.keyEnd))},"value":{${anyValue(b, tag)}}}`;
}

function anyValue(b: Buffer, tag: TagView): string {
  const set = tag.value !== TagValue.none;
  switch (attributeValue(tag)) {
    case TagValue.long:
      return `"intValue":"${set ? int64Text(b, tag.valueStart, tag.valueEnd) : '0'}"`;
    case TagValue.double:
      return `"doubleValue":${set ? doubleJson(b.readDoubleLE(tag.valueStart)) : 0}`;
    case TagValue.bool:
      return `"boolValue":${set && boolValue(b, tag)}`;
    case TagValue.bytes:
      return `"bytesValue":"${set ? b.toString('base64', tag.valueStart, tag.valueEnd) : ''}"`;
    default:
      return `"stringValue":${set ? JSON.stringify(b.toString('utf8', tag.valueStart, tag.valueEnd)) : '""'}`;
  }
}

/** protobuf JSON's double: a number, or the strings NaN, Infinity and -Infinity. */
function doubleJson(d: number): string {
  if (Object.is(d, -0)) return '-0'; // String(-0) is "0": the sign would be lost
  if (Number.isFinite(d)) return String(d);
  return Number.isNaN(d) ? '"NaN"' : d > 0 ? '"Infinity"' : '"-Infinity"';
}

/** A varint's bytes as a signed int64 in decimal, exact over the whole range. */
function int64Text(b: Buffer, start: number, end: number): string {
  let value = 0n;
  let shift = 0n;
  for (let i = start; i < end; i++) {
    value |= BigInt((b[i] as number) & 0x7f) << shift;
    shift += 7n;
  }
  return BigInt.asIntN(64, value).toString();
}

/** One OTLP/JSON `ExportTraceServiceRequest` of a `ResourceSpans` per group, in order. */
export function otlpRequestJson(
  groups: ReadonlyArray<{
    serviceName: string;
    scopeName: string;
    scopeVersion: string;
    spans: string[];
  }>,
): Buffer {
  const resources = groups.map((g) => {
    const scope: string[] = [];
    if (g.scopeName !== '') scope.push(`"name":${JSON.stringify(g.scopeName)}`);
    if (g.scopeVersion !== '') scope.push(`"version":${JSON.stringify(g.scopeVersion)}`);
    const scopeJson = scope.length > 0 ? `"scope":{${scope.join(',')}},` : '';
    return `{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":${JSON.stringify(g.serviceName)}}}]},"scopeSpans":[{${scopeJson}"spans":[${g.spans.join(',')}]}]}`;
  });
  return Buffer.from(`{"resourceSpans":[${resources.join(',')}]}`, 'utf8');
}
