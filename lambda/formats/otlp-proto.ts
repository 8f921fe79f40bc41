import { otlp } from '../../proto/otlp-trace.generated.js';
import {
  REQUEST_RESOURCE_SPANS,
  RESOURCE_SPANS_RESOURCE,
  RESOURCE_SPANS_SCOPE_SPANS,
  SCOPE_SPANS_SCOPE,
  SCOPE_SPANS_SPANS,
} from '../otlp-fields.js';
import { readLength, readVarint, skipField, varint, WIRE_LEN } from '../wire.js';
import { type DecodedSpan, type DecodedSpans, spansOrEmpty } from './decoded.js';
import { otlpScope } from './otlp-spans.js';
import { type EncodedScope, encodeScope, TranscodedSpans } from './otlp-transcode.js';

/**
 * `otlp-proto`: one OTLP `ExportTraceServiceRequest` per record, as the OpenTelemetry
 * Collector's awskinesisexporter writes with `encoding.name: otlp_proto` (one request holding
 * one `ResourceSpans` per Kinesis record, optionally compressed and KPL-aggregated; both are
 * undone before this decoder).
 *
 * The request's framing (request, resource spans, scope spans) is walked here; each span is
 * transcoded on its own, on the wire (otlp-transcode.ts), so one corrupt span is refused alone
 * (`invalid-otlp-span`) while its siblings are produced. Broken framing, or a resource or scope that does not decode, refuses
 * the record (`undecodable-otlp`): none of its spans could be given a service name.
 */

/** Where a length-delimited field's value lies. */
interface Range {
  start: number;
  end: number;
}

class Undecodable extends Error {}

export function decodeOtlpProto(bytes: Buffer): DecodedSpans {
  const spans: DecodedSpan[] = [];
  try {
    const request = fields(bytes, { start: 0, end: bytes.length }, [REQUEST_RESOURCE_SPANS]);
    decodeResourceSpans(bytes, request.get(REQUEST_RESOURCE_SPANS) ?? [], spans);
  } catch (error) {
    if (error instanceof Undecodable) return { ok: false, reason: 'undecodable-otlp' };
    throw error;
  }
  return spansOrEmpty(spans);
}

function decodeResourceSpans(bytes: Buffer, ranges: readonly Range[], out: DecodedSpan[]): void {
  for (const range of ranges) {
    const own = fields(bytes, range, [RESOURCE_SPANS_RESOURCE, RESOURCE_SPANS_SCOPE_SPANS]);
    const resource = own.get(RESOURCE_SPANS_RESOURCE)?.at(-1);
    // A resource that does not decode refuses the record, spans or not.
    if (!own.get(RESOURCE_SPANS_SCOPE_SPANS)) sharedScope(bytes, resource, undefined);
    for (const scopeRange of own.get(RESOURCE_SPANS_SCOPE_SPANS) ?? []) {
      const scopeFields = fields(bytes, scopeRange, [SCOPE_SPANS_SCOPE, SCOPE_SPANS_SPANS]);
      const shared = sharedScope(bytes, resource, scopeFields.get(SCOPE_SPANS_SCOPE)?.at(-1));
      const transcoded = new TranscodedSpans();
      for (const spanRange of scopeFields.get(SCOPE_SPANS_SPANS) ?? []) {
        transcoded.add(bytes, spanRange.start, spanRange.end, shared);
      }
      for (const span of transcoded.finish()) out.push(span);
    }
  }
}

/**
 * The ranges of the wanted length-delimited fields of one message, by field number, in
 * order; other fields are skipped. Collected first because a protobuf writer may put the
 * resource after its spans.
 */
function fields(bytes: Buffer, range: Range, wanted: readonly number[]): Map<number, Range[]> {
  const found = new Map<number, Range[]>();
  let pos = range.start;
  const end = range.end;
  while (pos < end) {
    pos = readVarint(bytes, pos, end);
    if (pos < 0) throw new Undecodable();
    const field = varint.lo >>> 3;
    const wireType = varint.lo & 7;
    if (field === 0) throw new Undecodable();
    if (wireType === WIRE_LEN && wanted.includes(field)) {
      pos = readLength(bytes, pos, end);
      if (pos < 0) throw new Undecodable();
      const valueEnd = pos + varint.lo;
      const list = found.get(field) ?? [];
      list.push({ start: pos, end: valueEnd });
      found.set(field, list);
      pos = valueEnd;
    } else {
      pos = skipField(bytes, pos, end, field, wireType);
      if (pos < 0) throw new Undecodable();
    }
  }
  return found;
}

/**
 * Resources and scopes seen lately, by their bytes: a producer sends the same few in every
 * request, and decoding and encoding them once per `ScopeSpans` was a fifth of the work.
 * Bounded; cleared when full.
 */
const scopes = new Map<string, EncodedScope>();
const MAX_SCOPES = 512;

/** What the spans of a resource and scope share; a singular field's last occurrence wins. */
function sharedScope(
  bytes: Buffer,
  resource: Range | undefined,
  scope: Range | undefined,
): EncodedScope {
  const key = `${resource ? bytes.toString('latin1', resource.start, resource.end) : ''}\u0000${scope ? bytes.toString('latin1', scope.start, scope.end) : ''}`;
  let shared = scopes.get(key);
  if (shared === undefined) {
    shared = encodeScope(
      otlpScope(
        decodeRange(bytes, resource, otlp.Resource),
        decodeRange(bytes, scope, otlp.InstrumentationScope),
      ),
    );
    if (scopes.size >= MAX_SCOPES) scopes.clear();
    scopes.set(key, shared);
  }
  return shared;
}

function decodeRange<T>(
  bytes: Buffer,
  range: Range | undefined,
  type: { decode(reader: Uint8Array): T },
): T | undefined {
  if (range === undefined) return undefined;
  try {
    return type.decode(bytes.subarray(range.start, range.end));
  } catch {
    throw new Undecodable();
  }
}
