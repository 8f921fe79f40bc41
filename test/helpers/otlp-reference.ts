import type { DecodedSpan } from '../../lambda/formats/decoded.js';
import { fromLong, type Long, toLong } from '../../lambda/formats/int64.js';
import { type OtlpScope, typedTag } from '../../lambda/formats/otlp-spans.js';
import { type ILog, type ITag, Span, Tag } from '../../proto/haystack.generated.js';
import { otlp } from '../../proto/otlp-trace.generated.js';

/**
 * The OTLP-to-Haystack mapping as it was first written, on protobufjs objects: kept as the
 * reference the wire transcoder (lambda/formats/otlp-transcode.ts) must equal byte for byte
 * (test/unit/formats-otlp-transcode.test.ts). It predates the `haystack.*` id attributes.
 */

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

/** One OTLP span to the bytes of one Haystack span, or `invalid-otlp-span` for bad ids. */
export function referenceHaystackSpan(span: otlp.ISpan, scope: OtlpScope): DecodedSpan {
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

/**
 * Nanoseconds to microseconds, rounded down: a span that ends before it starts keeps a
 * negative duration, which validation refuses (`negative-duration`).
 */
function micros(ns: bigint): bigint {
  const q = ns / 1000n;
  return ns < 0n && q * 1000n !== ns ? q - 1n : q;
}
