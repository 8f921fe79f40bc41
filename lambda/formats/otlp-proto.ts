import { otlp } from '../../proto/otlp-trace.generated.js';
import {
  REQUEST_RESOURCE_SPANS,
  RESOURCE_SPANS_RESOURCE,
  RESOURCE_SPANS_SCOPE_SPANS,
  SCOPE_SPANS_SCOPE,
  SCOPE_SPANS_SPANS,
} from '../otlp-fields.js';
import { readLength, readVarint, skipField, varint, WIRE_LEN } from '../wire.js';
import { type DecodedSpans, spansOrEmpty } from './decoded.js';
import { otlpScope } from './otlp-spans.js';
import { type EncodedScope, encodeScope, TranscodedSpans } from './otlp-transcode.js';

/**
 * `otlp-proto`: one OTLP `ExportTraceServiceRequest` per record, as the OpenTelemetry
 * Collector's awskinesisexporter writes with `encoding.name: otlp_proto` (one request holding
 * one `ResourceSpans` per Kinesis record, optionally compressed and KPL-aggregated; both are
 * undone before this decoder).
 *
 * The request's framing (request, resource spans, scope spans) is walked here, without
 * collecting anything; each span is transcoded on its own, on the wire (otlp-transcode.ts), so
 * one corrupt span is refused alone (`invalid-otlp-span`) while its siblings are produced.
 * Broken framing, or a resource or scope that does not decode, refuses the record
 * (`undecodable-otlp`): none of its spans could be given a service name.
 */

class Undecodable extends Error {}

export function decodeOtlpProto(bytes: Buffer): DecodedSpans {
  // One buffer for the record's spans, however many resources and scopes hold them.
  const transcoded = new TranscodedSpans();
  try {
    for (let pos = 0; pos < bytes.length; ) {
      pos = nextField(bytes, pos, bytes.length);
      if (field.number === REQUEST_RESOURCE_SPANS && field.start >= 0) {
        decodeResourceSpans(bytes, field.start, field.end, transcoded);
      }
    }
  } catch (error) {
    if (error instanceof Undecodable) return { ok: false, reason: 'undecodable-otlp' };
    throw error;
  }
  return spansOrEmpty(transcoded.finish());
}

/**
 * One `ResourceSpans`: read twice, since a protobuf writer may put the resource after its
 * spans (the last one wins, as for any singular field); the first pass also checks the framing.
 */
function decodeResourceSpans(
  bytes: Buffer,
  start: number,
  end: number,
  transcoded: TranscodedSpans,
): void {
  let resourceStart = -1;
  let resourceEnd = -1;
  let scopeSpans = 0;
  for (let pos = start; pos < end; ) {
    pos = nextField(bytes, pos, end);
    if (field.start < 0) continue;
    if (field.number === RESOURCE_SPANS_RESOURCE) {
      resourceStart = field.start;
      resourceEnd = field.end;
    } else if (field.number === RESOURCE_SPANS_SCOPE_SPANS) scopeSpans++;
  }
  // A resource that does not decode refuses the record, spans or not.
  if (scopeSpans === 0) sharedScope(bytes, resourceStart, resourceEnd, -1, -1);
  for (let pos = start; pos < end; ) {
    pos = nextField(bytes, pos, end);
    if (field.number === RESOURCE_SPANS_SCOPE_SPANS && field.start >= 0) {
      decodeScopeSpans(bytes, field.start, field.end, resourceStart, resourceEnd, transcoded);
    }
  }
}

/** One `ScopeSpans`, read twice as well: the scope may follow its spans. */
function decodeScopeSpans(
  bytes: Buffer,
  start: number,
  end: number,
  resourceStart: number,
  resourceEnd: number,
  transcoded: TranscodedSpans,
): void {
  let scopeStart = -1;
  let scopeEnd = -1;
  for (let pos = start; pos < end; ) {
    pos = nextField(bytes, pos, end);
    if (field.number === SCOPE_SPANS_SCOPE && field.start >= 0) {
      scopeStart = field.start;
      scopeEnd = field.end;
    }
  }
  const shared = sharedScope(bytes, resourceStart, resourceEnd, scopeStart, scopeEnd);
  for (let pos = start; pos < end; ) {
    pos = nextField(bytes, pos, end);
    if (field.number === SCOPE_SPANS_SPANS && field.start >= 0) {
      transcoded.add(bytes, field.start, field.end, shared);
    }
  }
}

/**
 * The field {@link nextField} read last: its number and, when length-delimited, where its
 * value lies (`start` -1 otherwise). Scratch state, like the wire reader's `varint`.
 */
const field = { number: 0, start: -1, end: -1 };

/** Reads the field at `pos` into {@link field}; returns the position after it. */
function nextField(bytes: Buffer, at: number, end: number): number {
  let pos = readVarint(bytes, at, end);
  if (pos < 0) throw new Undecodable();
  const number = varint.lo >>> 3;
  const wireType = varint.lo & 7;
  if (number === 0) throw new Undecodable();
  field.number = number;
  if (wireType === WIRE_LEN) {
    pos = readLength(bytes, pos, end);
    if (pos < 0) throw new Undecodable();
    field.start = pos;
    field.end = pos + varint.lo;
    return field.end;
  }
  field.start = -1;
  pos = skipField(bytes, pos, end, number, wireType);
  if (pos < 0) throw new Undecodable();
  return pos;
}

/**
 * Resources and scopes seen lately, by their bytes: a producer sends the same few in every
 * request, and decoding and encoding them once per `ScopeSpans` was a fifth of the work.
 * Bounded; cleared when full.
 */
const scopes = new Map<string, EncodedScope>();
const MAX_SCOPES = 512;

/** What the spans of a resource and scope share (each range absent when its start is -1). */
function sharedScope(
  bytes: Buffer,
  resourceStart: number,
  resourceEnd: number,
  scopeStart: number,
  scopeEnd: number,
): EncodedScope {
  const key = `${resourceStart >= 0 ? bytes.toString('latin1', resourceStart, resourceEnd) : ''}\u0000${scopeStart >= 0 ? bytes.toString('latin1', scopeStart, scopeEnd) : ''}`;
  let shared = scopes.get(key);
  if (shared === undefined) {
    shared = encodeScope(
      otlpScope(
        decodeRange(bytes, resourceStart, resourceEnd, otlp.Resource),
        decodeRange(bytes, scopeStart, scopeEnd, otlp.InstrumentationScope),
      ),
    );
    if (scopes.size >= MAX_SCOPES) scopes.clear();
    scopes.set(key, shared);
  }
  return shared;
}

function decodeRange<T>(
  bytes: Buffer,
  start: number,
  end: number,
  type: { decode(reader: Uint8Array): T },
): T | undefined {
  if (start < 0) return undefined;
  try {
    return type.decode(bytes.subarray(start, end));
  } catch {
    throw new Undecodable();
  }
}
