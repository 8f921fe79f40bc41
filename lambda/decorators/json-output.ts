import { type ILog, type ITag, Span, Tag } from '../../proto/haystack.generated.js';
import { fromLong, type Long } from '../formats/int64.js';

/**
 * The `json` output format: what the original collector wrote with `output.format = json`,
 * protobuf-java-util's `JsonFormat.printer().omittingInsignificantWhitespace().print(span)`,
 * byte for byte (checked against that very printer: test/vectors/span-full.json):
 *
 * - fields in field-number order under their JSON names (`traceId`, `vStr`, ...);
 * - proto3 defaults left out (empty strings, zero numbers, `type` STRING, empty lists), except
 *   a tag's value, which as a oneof member is printed even when it is the default;
 * - int64 as decimal strings, doubles as Java's `Double.toString` writes them (`3.0`,
 *   `1.0E21`, `1.0E-4`; NaN and infinities as strings), enums by name, bytes as base64;
 * - strings escaped as JsonFormat does: `"` `\` and control characters (`\b \f \n \r \t`,
 *   others `\u00xx`), U+2028 and U+2029; everything else as UTF-8.
 *
 * One difference: the original printed the span as received, before its decorators ran (a
 * bug: additional tags never reached JSON output); this prints the span it is given, so the
 * pipeline passes the decorated span.
 */

/** The Kafka message value of a span in a per-span format; `proto` is the bytes as they are. */
export function outputValue(bytes: Buffer, format: 'proto' | 'json'): Buffer {
  return format === 'proto' ? bytes : Buffer.from(spanJson(bytes), 'utf8');
}

/** A serialized span as the original's JSON; throws if the bytes are not a `Span`. */
export function spanJson(bytes: Uint8Array): string {
  const span = Span.decode(bytes);
  const out: string[] = [];
  str(out, 'traceId', span.traceId);
  str(out, 'spanId', span.spanId);
  str(out, 'parentSpanId', span.parentSpanId);
  str(out, 'serviceName', span.serviceName);
  str(out, 'operationName', span.operationName);
  int64(out, 'startTime', span.startTime);
  int64(out, 'duration', span.duration);
  if (span.logs.length > 0) out.push(`"logs":[${span.logs.map(logJson).join(',')}]`);
  if (span.tags.length > 0) out.push(`"tags":[${span.tags.map(tagJson).join(',')}]`);
  return `{${out.join(',')}}`;
}

function logJson(log: ILog): string {
  const out: string[] = [];
  int64(out, 'timestamp', log.timestamp);
  const fields = log.fields ?? [];
  if (fields.length > 0) out.push(`"fields":[${fields.map(tagJson).join(',')}]`);
  return `{${out.join(',')}}`;
}

function tagJson(tag: ITag): string {
  const out: string[] = [];
  str(out, 'key', tag.key);
  const type = tag.type ?? 0;
  if (type !== 0) out.push(`"type":${Tag.TagType[type] ? quote(Tag.TagType[type]) : type}`);
  switch ((tag as Tag).myvalue) {
    case 'vStr':
      out.push(`"vStr":${quote(tag.vStr ?? '')}`);
      break;
    case 'vLong':
      out.push(`"vLong":"${fromLong(tag.vLong ?? 0)}"`);
      break;
    case 'vDouble':
      out.push(`"vDouble":${javaDouble(tag.vDouble ?? 0)}`);
      break;
    case 'vBool':
      out.push(`"vBool":${tag.vBool === true}`);
      break;
    case 'vBytes':
      out.push(`"vBytes":"${Buffer.from(tag.vBytes ?? []).toString('base64')}"`);
      break;
  }
  return `{${out.join(',')}}`;
}

function str(out: string[], name: string, value: string | null | undefined): void {
  if (value) out.push(`"${name}":${quote(value)}`);
}

function int64(out: string[], name: string, value: number | Long | null | undefined): void {
  const n = fromLong(value ?? 0);
  if (n !== 0n) out.push(`"${name}":"${n}"`);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u2028\u2029]/g;
const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** A JSON string literal escaped as protobuf-java-util's JsonFormat escapes it. */
export function quote(value: string): string {
  return `"${value.replace(
    NEEDS_ESCAPE,
    (c) => SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )}"`;
}

/**
 * A double as Java's `Double.toString` lays it out (JsonFormat prints doubles so): plain
 * decimals with at least one fraction digit from 10^-3 up to 10^7, computerized scientific
 * notation (`1.0E21`, `1.0E-4`) outside. The digits are the shortest that round-trip, as Java
 * 19 and later write them; older Javas, and Java for the smallest subnormal (`4.9E-324`),
 * occasionally print one more digit for the same value, which parses back to the same double.
 */
export function javaDouble(value: number): string {
  if (Number.isNaN(value)) return '"NaN"';
  if (!Number.isFinite(value)) return value > 0 ? '"Infinity"' : '"-Infinity"';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const [mantissa = '', exponentText = '0'] = value.toExponential().split('e');
  const sign = value < 0 ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  const exponent = Number(exponentText);
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
    const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
    return `${sign}${whole}.${digits.slice(exponent + 1) || '0'}`;
  }
  return `${sign}${digits[0]}.${digits.slice(1) || '0'}E${exponent}`;
}
