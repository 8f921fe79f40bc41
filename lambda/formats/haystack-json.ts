import { type ILog, type ITag, Span, Tag } from '../../proto/haystack.generated.js';
import { type DecodedSpan, type DecodedSpans, spansOrEmpty } from './decoded.js';
import { parseInt64, toLong } from './int64.js';
import { JsonNumber, type JsonObject, type JsonValue, readJson } from './json-reader.js';

/**
 * `haystack-json`: the JSON span model of Haystack's HTTP collector (haystack-collector
 * `http/.../json/Span.scala`), converted to a protobuf `Span` exactly as its `toProto` does:
 *
 *     { "traceId", "spanId", "parentSpanId"?, "serviceName", "operationName",
 *       "startTime": µs, "duration": µs,
 *       "tags": [{ "key", "value" }], "logs": [{ "timestamp": µs, "fields": [{ "key", "value" }] }] }
 *
 * A tag's type comes from its JSON value, as json4s + Jackson hand it to `createProtoTag`:
 * an integer literal (`200`, `-1`) is `LONG`; a number with a fraction or exponent (`0.5`,
 * `1.0`, `1e3`) is `DOUBLE`; `true`/`false` is `BOOL`; a string is `STRING`.
 *
 * Differences from the original, each where it would have failed or mangled the span:
 * - one record may hold one span object or an array of them (each accounted on its own);
 * - a missing or null `traceId`, `spanId`, `serviceName` or `operationName` becomes empty, so
 *   validation names the field (the original failed the whole request);
 * - `duration` is a 64-bit value (the original's `Int` wrapped past 35 minutes);
 * - `startTime`, `duration` and `timestamp` may also be decimal strings (protobuf JSON style);
 * - an object or array tag value becomes a `STRING` tag holding its JSON text (the original
 *   wrote Scala's `Map(...)` / `List(...)` rendering);
 * - a null or missing tag value, a non-string key, an integer outside the 64-bit range, or a
 *   field of the wrong type refuses that span as `invalid-json-span`.
 */
export function decodeHaystackJson(bytes: Buffer): DecodedSpans {
  let document: JsonValue;
  try {
    document = readJson(bytes);
  } catch {
    return { ok: false, reason: 'undecodable-json' };
  }
  if (document instanceof Map) return spansOrEmpty([jsonSpan(document)]);
  if (Array.isArray(document)) return spansOrEmpty(document.map(jsonSpan));
  return { ok: false, reason: 'undecodable-json' };
}

/** Thrown inside the conversion of one span; caught per span. */
class InvalidSpan extends Error {}

function jsonSpan(value: JsonValue): DecodedSpan {
  if (!(value instanceof Map)) return { ok: false, reason: 'invalid-json-span' };
  try {
    const span = Span.encode({
      traceId: text(value, 'traceId'),
      spanId: text(value, 'spanId'),
      parentSpanId: text(value, 'parentSpanId'),
      serviceName: text(value, 'serviceName'),
      operationName: text(value, 'operationName'),
      startTime: toLong(integer(value.get('startTime'))),
      duration: toLong(integer(value.get('duration'))),
      logs: list(value.get('logs')).map(log),
      tags: list(value.get('tags')).map(tag),
    }).finish();
    return { ok: true, bytes: Buffer.from(span.buffer, span.byteOffset, span.byteLength) };
  } catch (error) {
    if (error instanceof InvalidSpan) return { ok: false, reason: 'invalid-json-span' };
    throw error;
  }
}

/** A string field; missing or null is empty (validation then names it). */
function text(object: JsonObject, name: string): string {
  const value = object.get(name);
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new InvalidSpan();
  return value;
}

/** An int64 field written as an integer literal or a decimal string; missing or null is 0. */
function integer(value: JsonValue | undefined): bigint {
  if (value === undefined || value === null) return 0n;
  const digits = value instanceof JsonNumber && value.isInteger ? value.text : value;
  const parsed = typeof digits === 'string' ? parseInt64(digits) : undefined;
  if (parsed === undefined) throw new InvalidSpan();
  return parsed;
}

function list(value: JsonValue | undefined): JsonValue[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new InvalidSpan();
  return value;
}

function log(value: JsonValue): ILog {
  if (!(value instanceof Map)) throw new InvalidSpan();
  return {
    timestamp: toLong(integer(value.get('timestamp'))),
    fields: list(value.get('fields')).map(tag),
  };
}

/** `createProtoTag`: the tag's type follows its JSON value. */
function tag(value: JsonValue): ITag {
  if (!(value instanceof Map)) throw new InvalidSpan();
  const key = value.get('key');
  const tagValue = value.get('value');
  if (typeof key !== 'string' || tagValue === undefined || tagValue === null) {
    throw new InvalidSpan();
  }
  if (typeof tagValue === 'string') return { key, vStr: tagValue };
  if (typeof tagValue === 'boolean') return { key, type: Tag.TagType.BOOL, vBool: tagValue };
  if (tagValue instanceof JsonNumber) {
    if (!tagValue.isInteger) {
      return { key, type: Tag.TagType.DOUBLE, vDouble: tagValue.toNumber() };
    }
    const long = parseInt64(tagValue.text);
    if (long === undefined) throw new InvalidSpan();
    return { key, type: Tag.TagType.LONG, vLong: toLong(long) };
  }
  return { key, vStr: jsonText(tagValue) };
}

/** Compact JSON text of an object or array value, numbers as written. */
export function jsonText(value: JsonValue): string {
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof JsonNumber) return value.text;
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`;
  const members: string[] = [];
  for (const [k, v] of value) members.push(`${JSON.stringify(k)}:${jsonText(v)}`);
  return `{${members.join(',')}}`;
}
