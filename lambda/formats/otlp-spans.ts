import { type ILog, type ITag, Span, Tag } from '../../proto/haystack.generated.js';
import { otlp } from '../../proto/otlp-trace.generated.js';
import type { DecodedSpan } from './decoded.js';
import { fromLong, type Long, toLong } from './int64.js';

/**
 * OpenTelemetry spans (OTLP, as protobufjs objects) to Haystack spans, field by field as
 * docs/otlp-mapping.md describes. Both OTLP decoders (protobuf and JSON) end here, so the
 * two encodings convert identically.
 */

/** What every span of one `ResourceSpans` / `ScopeSpans` shares. */
export interface OtlpScope {
  /** Resource attribute `service.name`, else OpenTelemetry's own default `unknown_service`. */
  serviceName: string;
  /** Resource attributes but `service.name`, then `otel.scope.name` / `otel.scope.version`. */
  tags: ITag[];
}

/** OpenTelemetry's name for a service that did not set one (SDK specification, resource defaults). */
export const UNKNOWN_SERVICE = 'unknown_service';
const SERVICE_NAME = 'service.name';

/** SpanKind to the OpenTracing `span.kind` values Haystack's UI and trends read. */
const KINDS: Readonly<Record<number, string>> = {
  [otlp.Span.SpanKind.SPAN_KIND_INTERNAL]: 'internal',
  [otlp.Span.SpanKind.SPAN_KIND_SERVER]: 'server',
  [otlp.Span.SpanKind.SPAN_KIND_CLIENT]: 'client',
  [otlp.Span.SpanKind.SPAN_KIND_PRODUCER]: 'producer',
  [otlp.Span.SpanKind.SPAN_KIND_CONSUMER]: 'consumer',
};
const STATUS_NAMES: Readonly<Record<number, string>> = {
  [otlp.Status.StatusCode.STATUS_CODE_OK]: 'OK',
  [otlp.Status.StatusCode.STATUS_CODE_ERROR]: 'ERROR',
};

const TRACE_ID_BYTES = 16;
const SPAN_ID_BYTES = 8;

/** The tags shared by the spans of one resource and scope. */
export function otlpScope(
  resource: otlp.IResource | null | undefined,
  scope: otlp.IInstrumentationScope | null | undefined,
): OtlpScope {
  let serviceName = UNKNOWN_SERVICE;
  const tags: ITag[] = [];
  for (const attribute of resource?.attributes ?? []) {
    const key = attribute.key ?? '';
    if (key === SERVICE_NAME) {
      const name = anyValueText(attribute.value);
      if (name !== '') serviceName = name;
    } else {
      tags.push(typedTag(key, attribute.value));
    }
  }
  if (scope?.name) tags.push({ key: 'otel.scope.name', vStr: scope.name });
  if (scope?.version) tags.push({ key: 'otel.scope.version', vStr: scope.version });
  return { serviceName, tags };
}

/** One OTLP span to the bytes of one Haystack span, or `invalid-otlp-span` for bad ids. */
export function haystackSpan(span: otlp.ISpan, scope: OtlpScope): DecodedSpan {
  const traceId = hexId(span.traceId, TRACE_ID_BYTES);
  const spanId = hexId(span.spanId, SPAN_ID_BYTES);
  const parentSpanId = hexId(span.parentSpanId, SPAN_ID_BYTES);
  if (traceId === undefined || spanId === undefined || parentSpanId === undefined) {
    return { ok: false, reason: 'invalid-otlp-span' };
  }
  const start = nanos(span.startTimeUnixNano);
  const end = nanos(span.endTimeUnixNano);
  const bytes = Span.encode({
    traceId,
    spanId,
    parentSpanId,
    serviceName: scope.serviceName,
    operationName: span.name ?? '',
    startTime: toLong(micros(start)),
    duration: toLong(micros(end - start)),
    logs: (span.events ?? []).map(eventLog),
    tags: spanTags(span, scope),
  }).finish();
  return { ok: true, bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

/**
 * Span attributes first; then what OTLP says in fields (kind, status), then the resource and
 * scope tags. A derived or shared tag is left out when the span already has that key, so a
 * span's own attribute always wins and no key appears twice.
 */
function spanTags(span: otlp.ISpan, scope: OtlpScope): ITag[] {
  const tags = (span.attributes ?? []).map((a) => typedTag(a.key ?? '', a.value));
  const keys = new Set(tags.map((t) => t.key));
  const add = (tag: ITag): void => {
    if (keys.has(tag.key)) return;
    keys.add(tag.key);
    tags.push(tag);
  };
  const kind = KINDS[span.kind ?? 0];
  if (kind !== undefined) add({ key: 'span.kind', vStr: kind });
  const code = span.status?.code ?? 0;
  if (code === otlp.Status.StatusCode.STATUS_CODE_ERROR) {
    add({ key: 'error', type: Tag.TagType.BOOL, vBool: true });
  }
  const statusName = STATUS_NAMES[code];
  if (statusName !== undefined) add({ key: 'otel.status_code', vStr: statusName });
  if (span.status?.message) add({ key: 'otel.status_description', vStr: span.status.message });
  for (const tag of scope.tags) add(tag);
  return tags;
}

/** An event is a log: OpenTracing's `event` field holds its name, its attributes follow. */
function eventLog(event: otlp.Span.IEvent): ILog {
  const fields: ITag[] = [];
  if (event.name) fields.push({ key: 'event', vStr: event.name });
  for (const a of event.attributes ?? []) fields.push(typedTag(a.key ?? '', a.value));
  return { timestamp: toLong(micros(nanos(event.timeUnixNano))), fields };
}

/** An attribute as a typed tag; arrays and key-value lists become JSON text (see anyValueJson). */
export function typedTag(key: string, value: otlp.IAnyValue | null | undefined): ITag {
  switch (anyValueCase(value)) {
    case 'stringValue':
      return { key, vStr: value?.stringValue ?? '' };
    case 'boolValue':
      return { key, type: Tag.TagType.BOOL, vBool: value?.boolValue ?? false };
    case 'intValue':
      return { key, type: Tag.TagType.LONG, vLong: toLong(int64(value?.intValue)) };
    case 'doubleValue':
      return { key, type: Tag.TagType.DOUBLE, vDouble: value?.doubleValue ?? 0 };
    case 'bytesValue':
      return { key, type: Tag.TagType.BINARY, vBytes: value?.bytesValue ?? new Uint8Array() };
    case 'arrayValue':
    case 'kvlistValue':
      return { key, vStr: anyValueJson(value) };
    default:
      return { key, vStr: '' }; // an empty AnyValue: OpenTelemetry allows it
  }
}

type AnyValueCase = Exclude<otlp.AnyValue['value'], undefined>;

/** Which member of the `value` oneof is set; protobufjs objects and plain objects alike. */
function anyValueCase(value: otlp.IAnyValue | null | undefined): AnyValueCase | undefined {
  if (!value) return undefined;
  if (value instanceof otlp.AnyValue) return value.value;
  for (const name of CASES) if (value[name] !== undefined && value[name] !== null) return name;
  return undefined;
}

const CASES: readonly AnyValueCase[] = [
  'stringValue',
  'boolValue',
  'intValue',
  'doubleValue',
  'arrayValue',
  'kvlistValue',
  'bytesValue',
];

/** A value as plain text: strings as they are, everything else as {@link anyValueJson}. */
function anyValueText(value: otlp.IAnyValue | null | undefined): string {
  return anyValueCase(value) === 'stringValue' ? (value?.stringValue ?? '') : anyValueJson(value);
}

/**
 * OpenTelemetry's rule for showing an AnyValue to a system without its types (specification,
 * "attribute values in non-OTLP exporters"): JSON, bytes as base64, integers exact.
 */
export function anyValueJson(value: otlp.IAnyValue | null | undefined): string {
  switch (anyValueCase(value)) {
    case 'stringValue':
      return JSON.stringify(value?.stringValue ?? '');
    case 'boolValue':
      return String(value?.boolValue ?? false);
    case 'intValue':
      return int64(value?.intValue).toString();
    case 'doubleValue': {
      const d = value?.doubleValue ?? 0;
      return Number.isFinite(d) ? String(d) : JSON.stringify(String(d)); // NaN, Infinity: strings
    }
    case 'bytesValue':
      return JSON.stringify(Buffer.from(value?.bytesValue ?? []).toString('base64'));
    case 'arrayValue':
      return `[${(value?.arrayValue?.values ?? []).map(anyValueJson).join(',')}]`;
    case 'kvlistValue': {
      const members = (value?.kvlistValue?.values ?? []).map(
        (kv) => `${JSON.stringify(kv.key ?? '')}:${anyValueJson(kv.value)}`,
      );
      return `{${members.join(',')}}`;
    }
    default:
      return 'null';
  }
}

/**
 * Lowercase hex of an id of `size` bytes. Empty or all zero (W3C's invalid id) is empty, so
 * validation refuses a missing trace or span id by name; another length is undefined.
 */
function hexId(id: Uint8Array | null | undefined, size: number): string | undefined {
  if (!id || id.length === 0) return '';
  if (id.length !== size) return undefined;
  if (id.every((b) => b === 0)) return '';
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex');
}

function nanos(value: number | Long | null | undefined): bigint {
  return value === null || value === undefined ? 0n : fromLong(value, true);
}

function int64(value: number | Long | null | undefined): bigint {
  return value === null || value === undefined ? 0n : fromLong(value);
}

/**
 * Nanoseconds to microseconds, rounded down: a span that ends before it starts keeps a
 * negative duration, which validation refuses (`negative-duration`).
 */
function micros(ns: bigint): bigint {
  const q = ns / 1000n;
  return ns < 0n && q * 1000n !== ns ? q - 1n : q;
}
