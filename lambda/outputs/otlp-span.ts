import {
  type HaystackSpanView,
  keyIs,
  type LogView,
  stringValue,
  TagValue,
  type TagView,
  viewHaystackSpan,
} from './haystack-view.js';
import { ID_ATTRIBUTES, otlpParentSpanId, otlpSpanId, otlpTraceId, spellsId } from './otlp-ids.js';

/**
 * What one Haystack span becomes in OTLP, decided once and written by both OTLP writers
 * (otlp-proto-writer.ts, otlp-json-writer.ts): the inverse of the input mapping
 * (docs/otlp-mapping.md), as docs/haystack-to-otlp.md lays it out.
 *
 * - ids by the rules of otlp-ids.ts, the text kept as an attribute when the OTLP id does not
 *   spell it;
 * - `span.kind` (`server`, `client`, `producer`, `consumer`, `internal`) becomes the kind;
 * - `otel.status_code` (`OK` / `ERROR`) and `otel.status_description` become the status; without
 *   them a true `error` tag (BOOL true, or the string `true` in any case) makes it ERROR;
 * - `otel.scope.name` / `otel.scope.version` become the instrumentation scope;
 * - those tags are then not attributes (a BOOL `error=true` only when the status is ERROR);
 *   every other tag is an attribute, typed by the value it holds; of tags with the same key
 *   the first is kept, as OTLP's keys are unique;
 * - each log is an event: its first non-empty string `event` field is the event's name, the
 *   other fields its attributes.
 */
export interface OtlpSpanPlan {
  view: HaystackSpanView;
  traceId: Buffer;
  spanId: Buffer;
  /** Empty for a root span. */
  parentSpanId: Buffer;
  /** Haystack ids the OTLP ids do not spell: `[attribute key, id text]`. */
  idAttributes: Array<readonly [string, string]>;
  /** OTLP `SpanKind`, 0 when unspecified. */
  kind: number;
  /** OTLP `StatusCode`, 0 when unset. */
  statusCode: number;
  statusMessage: TagView | undefined;
  scopeName: string;
  scopeVersion: string;
  /** The tags that are attributes, in order. */
  attributes: TagView[];
  events: EventPlan[];
}

export interface EventPlan {
  log: LogView;
  name: TagView | undefined;
  attributes: TagView[];
}

/** `span.kind` values (OpenTracing's, which the input mapping writes) to OTLP `SpanKind`. */
export const KINDS: Readonly<Record<string, number>> = {
  internal: 1,
  server: 2,
  client: 3,
  producer: 4,
  consumer: 5,
};
export const STATUS_OK = 1;
export const STATUS_ERROR = 2;

/** Plans the OTLP span of a serialized Haystack span; undefined if the bytes are not a span. */
export function planOtlpSpan(bytes: Uint8Array): OtlpSpanPlan | undefined {
  const view = viewHaystackSpan(bytes);
  if (view === undefined) return undefined;
  const b = view.bytes;
  const traceId = otlpTraceId(view.traceId);
  const spanId = otlpSpanId(view.spanId);
  const parentSpanId = otlpParentSpanId(view.parentSpanId);
  const idAttributes: Array<readonly [string, string]> = [];
  if (!spellsId(traceId, view.traceId)) idAttributes.push([ID_ATTRIBUTES.traceId, view.traceId]);
  if (!spellsId(spanId, view.spanId)) idAttributes.push([ID_ATTRIBUTES.spanId, view.spanId]);
  if (!spellsId(parentSpanId, view.parentSpanId)) {
    idAttributes.push([ID_ATTRIBUTES.parentSpanId, view.parentSpanId]);
  }

  let kindTag: TagView | undefined;
  let kind = 0;
  let codeTag: TagView | undefined;
  let code = 0;
  let statusMessage: TagView | undefined;
  let errorTag: TagView | undefined;
  let failed = false;
  let scopeNameTag: TagView | undefined;
  let scopeVersionTag: TagView | undefined;
  for (const tag of view.tags) {
    if (tag.value !== TagValue.str && tag.value !== TagValue.bool) continue;
    const n = tag.keyEnd - tag.keyStart;
    if (n === 9 && kindTag === undefined && keyIs(b, tag, 'span.kind')) {
      const k = KINDS[stringValue(b, tag) ?? ''];
      if (k !== undefined) {
        kindTag = tag;
        kind = k;
      }
    } else if (n === 5 && errorTag === undefined && keyIs(b, tag, 'error')) {
      errorTag = tag;
      failed =
        tag.value === TagValue.bool
          ? boolValue(b, tag)
          : (stringValue(b, tag) ?? '').toLowerCase() === 'true';
    } else if (n === 16 && codeTag === undefined && keyIs(b, tag, 'otel.status_code')) {
      const value = stringValue(b, tag);
      if (value === 'OK' || value === 'ERROR') {
        codeTag = tag;
        code = value === 'OK' ? STATUS_OK : STATUS_ERROR;
      }
    } else if (
      n === 23 &&
      statusMessage === undefined &&
      tag.value === TagValue.str &&
      keyIs(b, tag, 'otel.status_description')
    ) {
      statusMessage = tag;
    } else if (tag.value === TagValue.str && n === 15 && keyIs(b, tag, 'otel.scope.name')) {
      scopeNameTag ??= tag;
    } else if (tag.value === TagValue.str && n === 18 && keyIs(b, tag, 'otel.scope.version')) {
      scopeVersionTag ??= tag;
    }
  }
  if (codeTag === undefined && failed) code = STATUS_ERROR;
  // A BOOL error=true is what the status says; any other error tag stays, as the span sent it.
  const consumedError =
    errorTag !== undefined && errorTag.value === TagValue.bool && failed && code === STATUS_ERROR;

  const consumed = new Set<TagView>();
  for (const tag of [kindTag, codeTag, statusMessage, scopeNameTag, scopeVersionTag]) {
    if (tag) consumed.add(tag);
  }
  if (consumedError && errorTag) consumed.add(errorTag);
  const seen = new Set<string>(idAttributes.map(([key]) => key));
  const attributes = unique(b, view.tags, seen, consumed);

  return {
    view,
    traceId,
    spanId,
    parentSpanId,
    idAttributes,
    kind,
    statusCode: code,
    statusMessage,
    scopeName: scopeNameTag ? (stringValue(b, scopeNameTag) ?? '') : '',
    scopeVersion: scopeVersionTag ? (stringValue(b, scopeVersionTag) ?? '') : '',
    attributes,
    events: view.logs.map((log) => eventPlan(b, log)),
  };
}

function eventPlan(b: Uint8Array, log: LogView): EventPlan {
  const name = log.fields.find(
    (f) => f.value === TagValue.str && f.valueEnd > f.valueStart && keyIs(b, f, 'event'),
  );
  const consumed = new Set<TagView>(name ? [name] : []);
  return { log, name, attributes: unique(b, log.fields, new Set(), consumed) };
}

/** Tags not consumed, each key once (the first occurrence wins). */
function unique(
  b: Uint8Array,
  tags: readonly TagView[],
  seen: Set<string>,
  consumed: ReadonlySet<TagView>,
): TagView[] {
  const out: TagView[] = [];
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  for (const tag of tags) {
    if (consumed.has(tag)) continue;
    const key = buf.toString('latin1', tag.keyStart, tag.keyEnd);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(tag);
  }
  return out;
}

/** A vBool's value: any non-zero varint is true, as protobuf parsers read it. */
export function boolValue(b: Uint8Array, tag: TagView): boolean {
  for (let i = tag.valueStart; i < tag.valueEnd; i++) if ((b[i] as number) & 0x7f) return true;
  return false;
}

/** The value member an attribute gets: the one set, else the type's default (an unset oneof). */
export function attributeValue(tag: TagView): number {
  if (tag.value !== TagValue.none) return tag.value;
  switch (tag.type) {
    case 1:
      return TagValue.double;
    case 2:
      return TagValue.bool;
    case 3:
      return TagValue.long;
    case 4:
      return TagValue.bytes;
    default:
      return TagValue.str;
  }
}

/**
 * Microseconds to nanoseconds as fixed64 halves. Throws {@link OutOfRange} for a time OTLP
 * cannot hold: negative, or past 2^64 ns (the year 2554).
 */
export function nanos(micros: number | bigint): { lo: number; hi: number } {
  if (typeof micros === 'number' && micros >= 0) {
    const hi = Math.floor(micros / 4294967296);
    const lo = micros - hi * 4294967296;
    const low = lo * 1000;
    const carry = Math.floor(low / 4294967296);
    const nsHi = hi * 1000 + carry;
    if (nsHi <= 0xffffffff) return { lo: low - carry * 4294967296, hi: nsHi };
  }
  throw new OutOfRange();
}

/** Microseconds as decimal nanoseconds, for OTLP/JSON; throws {@link OutOfRange} as {@link nanos}. */
export function nanosText(micros: number | bigint): string {
  nanos(micros);
  return micros === 0 ? '0' : `${micros}000`;
}

/** A Haystack time OTLP's unsigned nanoseconds cannot hold. */
export class OutOfRange extends Error {}

/** The span's end in microseconds: start + duration. */
export function endMicros(view: HaystackSpanView): number | bigint {
  const { startTime, duration } = view;
  if (typeof startTime === 'number' && typeof duration === 'number') {
    const end = startTime + duration;
    if (Number.isSafeInteger(end)) return end;
  }
  return BigInt(startTime) + BigInt(duration);
}
