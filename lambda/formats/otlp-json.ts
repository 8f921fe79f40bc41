import { otlp } from '../../proto/otlp-trace.generated.js';
import { type DecodedSpan, type DecodedSpans, spansOrEmpty } from './decoded.js';
import { parseInt64, parseUint64, toLong } from './int64.js';
import { JsonNumber, type JsonObject, type JsonValue, readJson } from './json-reader.js';
import { otlpScope } from './otlp-spans.js';
import { encodeScope, TranscodedSpans } from './otlp-transcode.js';

/**
 * `otlp-json`: one OTLP/JSON `ExportTraceServiceRequest` per record, as the OpenTelemetry
 * Collector's awskinesisexporter writes with `encoding.name: otlp_json`.
 *
 * OTLP/JSON is protobuf's JSON mapping with the OTLP specification's exceptions: trace and
 * span ids are hex strings (not base64), enums are integers. Read leniently, as the
 * specification asks of receivers: snake_case field names, enum names, and 64-bit integers as
 * strings or numbers are all accepted; unknown fields are ignored. The spans then convert
 * exactly as `otlp-proto` spans do (otlp-transcode.ts).
 *
 * A field of the wrong type inside a span refuses that span (`invalid-otlp-span`); in the
 * request, a resource or a scope, it refuses the record (`undecodable-otlp`).
 */
export function decodeOtlpJson(bytes: Buffer): DecodedSpans {
  let request: JsonValue;
  try {
    request = readJson(bytes);
  } catch {
    return { ok: false, reason: 'undecodable-otlp' };
  }
  const spans: DecodedSpan[] = [];
  try {
    for (const resourceSpans of array(member(object(request), 'resourceSpans', 'resource_spans'))) {
      const rs = object(resourceSpans);
      const resource = optionalObject(member(rs, 'resource'));
      const scopeSpansList = array(
        member(rs, 'scopeSpans', 'scope_spans') ??
          // OTLP before 0.15 (2022) named them instrumentation library spans.
          member(rs, 'instrumentationLibrarySpans', 'instrumentation_library_spans'),
      );
      const resourceMessage: otlp.IResource = {
        attributes: keyValues(member(resource, 'attributes')),
      };
      for (const scopeSpans of scopeSpansList) {
        const ss = object(scopeSpans);
        const scope = optionalObject(
          member(ss, 'scope') ?? member(ss, 'instrumentationLibrary', 'instrumentation_library'),
        );
        const shared = encodeScope(
          otlpScope(resourceMessage, {
            name: optionalString(member(scope, 'name')),
            version: optionalString(member(scope, 'version')),
          }),
        );
        // Encoded as OTLP protobuf and transcoded: one implementation of the mapping for both.
        const transcoded = new TranscodedSpans();
        const shapes: boolean[] = [];
        for (const span of array(member(ss, 'spans'))) {
          let message: otlp.ISpan;
          try {
            message = otlpSpan(object(span));
          } catch (error) {
            if (!(error instanceof WrongShape)) throw error;
            shapes.push(false);
            continue;
          }
          const encoded = Buffer.from(otlp.Span.encode(message).finish());
          transcoded.add(encoded, 0, encoded.length, shared);
          shapes.push(true);
        }
        const converted = transcoded.finish();
        let next = 0;
        for (const ok of shapes) {
          spans.push(
            ok ? (converted[next++] as DecodedSpan) : { ok: false, reason: 'invalid-otlp-span' },
          );
        }
      }
    }
  } catch (error) {
    if (error instanceof WrongShape) return { ok: false, reason: 'undecodable-otlp' };
    throw error;
  }
  return spansOrEmpty(spans);
}

/** A JSON value does not have the type its OTLP field needs. */
class WrongShape extends Error {}

const SPAN_KINDS: Readonly<Record<string, number>> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_CODES: Readonly<Record<string, number>> = {
  STATUS_CODE_UNSET: 0,
  STATUS_CODE_OK: 1,
  STATUS_CODE_ERROR: 2,
};

function otlpSpan(span: JsonObject): otlp.ISpan {
  const status = optionalObject(member(span, 'status'));
  return {
    traceId: hex(member(span, 'traceId', 'trace_id')),
    spanId: hex(member(span, 'spanId', 'span_id')),
    parentSpanId: hex(member(span, 'parentSpanId', 'parent_span_id')),
    name: optionalString(member(span, 'name')),
    kind: enumValue(member(span, 'kind'), SPAN_KINDS),
    startTimeUnixNano: toLong(uint64(member(span, 'startTimeUnixNano', 'start_time_unix_nano'))),
    endTimeUnixNano: toLong(uint64(member(span, 'endTimeUnixNano', 'end_time_unix_nano'))),
    attributes: keyValues(member(span, 'attributes')),
    events: array(member(span, 'events')).map((e) => {
      const event = object(e);
      return {
        timeUnixNano: toLong(uint64(member(event, 'timeUnixNano', 'time_unix_nano'))),
        name: optionalString(member(event, 'name')),
        attributes: keyValues(member(event, 'attributes')),
      };
    }),
    status: {
      code: enumValue(member(status, 'code'), STATUS_CODES),
      message: optionalString(member(status, 'message')),
    },
  };
}

function keyValues(value: JsonValue | undefined): otlp.IKeyValue[] {
  return array(value).map((kv) => {
    const o = object(kv);
    return { key: optionalString(member(o, 'key')), value: anyValue(member(o, 'value')) };
  });
}

function anyValue(value: JsonValue | undefined): otlp.IAnyValue {
  const o = optionalObject(value);
  if (o === undefined) return {};
  let v = member(o, 'stringValue', 'string_value');
  if (v !== undefined) return { stringValue: string(v) };
  v = member(o, 'boolValue', 'bool_value');
  if (v !== undefined) {
    if (typeof v !== 'boolean') throw new WrongShape();
    return { boolValue: v };
  }
  v = member(o, 'intValue', 'int_value');
  if (v !== undefined) return { intValue: toLong(int64(v)) };
  v = member(o, 'doubleValue', 'double_value');
  if (v !== undefined) return { doubleValue: double(v) };
  v = member(o, 'bytesValue', 'bytes_value');
  if (v !== undefined) return { bytesValue: base64(v) };
  v = member(o, 'arrayValue', 'array_value');
  if (v !== undefined)
    return { arrayValue: { values: array(member(object(v), 'values')).map(anyValue) } };
  v = member(o, 'kvlistValue', 'kvlist_value');
  if (v !== undefined) return { kvlistValue: { values: keyValues(member(object(v), 'values')) } };
  return {};
}

/** A member by its JSON name or its proto name; null counts as absent, as in protobuf JSON. */
function member(o: JsonObject | undefined, ...names: string[]): JsonValue | undefined {
  if (o === undefined) return undefined;
  for (const name of names) {
    const value = o.get(name);
    if (value !== undefined && value !== null) return value;
  }
  return undefined;
}

function object(value: JsonValue | undefined): JsonObject {
  if (!(value instanceof Map)) throw new WrongShape();
  return value;
}

function optionalObject(value: JsonValue | undefined): JsonObject | undefined {
  return value === undefined ? undefined : object(value);
}

function array(value: JsonValue | undefined): JsonValue[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new WrongShape();
  return value;
}

function string(value: JsonValue): string {
  if (typeof value !== 'string') throw new WrongShape();
  return value;
}

function optionalString(value: JsonValue | undefined): string {
  return value === undefined ? '' : string(value);
}

/** Hex of any case; OTLP/JSON's exception to protobuf JSON's base64 for ids. */
function hex(value: JsonValue | undefined): Uint8Array {
  const text = optionalString(value);
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) throw new WrongShape();
  return Buffer.from(text, 'hex');
}

function base64(value: JsonValue): Uint8Array {
  const text = string(value);
  // protobuf JSON parsers accept standard and URL-safe base64, padded or not.
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text)) throw new WrongShape();
  return Buffer.from(text, 'base64');
}

/** An integer written as a number or as a decimal string. */
function integerText(value: JsonValue): string {
  if (typeof value === 'string') return value;
  if (value instanceof JsonNumber && value.isInteger) return value.text;
  throw new WrongShape();
}

function int64(value: JsonValue): bigint {
  const parsed = parseInt64(integerText(value));
  if (parsed === undefined) throw new WrongShape();
  return parsed;
}

function uint64(value: JsonValue | undefined): bigint {
  if (value === undefined) return 0n;
  const parsed = parseUint64(integerText(value));
  if (parsed === undefined) throw new WrongShape();
  return parsed;
}

function double(value: JsonValue): number {
  if (value instanceof JsonNumber) return value.toNumber();
  if (value === 'NaN') return Number.NaN;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  throw new WrongShape();
}

/** An enum as its number or its name; an unknown name is a wrong shape, an unknown number passes. */
function enumValue(value: JsonValue | undefined, names: Readonly<Record<string, number>>): number {
  if (value === undefined) return 0;
  if (value instanceof JsonNumber && value.isInteger) return value.toNumber();
  if (typeof value === 'string' && Object.hasOwn(names, value)) return names[value] as number;
  throw new WrongShape();
}
