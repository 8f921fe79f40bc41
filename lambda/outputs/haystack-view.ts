import {
  H_DURATION,
  H_LOGS,
  H_OPERATION,
  H_PARENT_SPAN_ID,
  H_SERVICE_NAME,
  H_SPAN_ID,
  H_START,
  H_TAGS,
  H_TRACE_ID,
  LOG_FIELDS,
  LOG_TIMESTAMP,
  TAG_BOOL,
  TAG_BYTES,
  TAG_DOUBLE,
  TAG_KEY,
  TAG_LONG,
  TAG_STR,
  TAG_TYPE,
} from '../haystack-fields.js';
import {
  readLength,
  readVarint,
  skipField,
  varint,
  WIRE_FIXED64,
  WIRE_LEN,
  WIRE_VARINT,
} from '../wire.js';

/**
 * A serialized Haystack `Span` located field by field in its bytes, for the writers that turn
 * it into something else (OTLP): strings are byte ranges into the span, copied as they are;
 * only the ids and the service name, which decide ids and grouping, are read as text.
 *
 * Read as a protobuf parser would: the last occurrence of a singular field wins, and within a
 * `Tag` the last member of the `myvalue` oneof set is its value. The span has passed
 * validation (lambda/spans.ts) before it gets here; a span that does not parse is undefined.
 */
export interface HaystackSpanView {
  bytes: Uint8Array;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  serviceName: string;
  operationStart: number;
  operationEnd: number;
  /** Microseconds since the epoch; a bigint only past 2^53 (after the year 287,000). */
  startTime: number | bigint;
  duration: number | bigint;
  logs: LogView[];
  tags: TagView[];
}

export interface LogView {
  timestamp: number | bigint;
  fields: TagView[];
}

/** Which member of `Tag.myvalue` is set: its field number (3 vStr ... 7 vBytes), or 0 for none. */
export const TagValue = { none: 0, str: 3, long: 4, double: 5, bool: 6, bytes: 7 } as const;

export interface TagView {
  keyStart: number;
  keyEnd: number;
  /** `Tag.type`; only consulted when no value member is set. */
  type: number;
  /** One of {@link TagValue}. */
  value: number;
  /** vStr and vBytes: the content; vLong and vBool: the varint's bytes; vDouble: its 8 bytes. */
  valueStart: number;
  valueEnd: number;
}

/** Locates the fields of one serialized span; undefined when the bytes are not a `Span`. */
export function viewHaystackSpan(bytes: Uint8Array): HaystackSpanView | undefined {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const view: HaystackSpanView = {
    bytes: buf,
    traceId: '',
    spanId: '',
    parentSpanId: '',
    serviceName: '',
    operationStart: 0,
    operationEnd: 0,
    startTime: 0,
    duration: 0,
    logs: [],
    tags: [],
  };
  const end = buf.length;
  let pos = 0;
  while (pos < end) {
    pos = readVarint(buf, pos, end);
    if (pos < 0) return undefined;
    const field = varint.lo >>> 3;
    const wireType = varint.lo & 7;
    if (field === 0) return undefined;
    if (wireType === WIRE_LEN && field <= H_TAGS && field !== H_START && field !== H_DURATION) {
      pos = readLength(buf, pos, end);
      if (pos < 0) return undefined;
      const valueEnd = pos + varint.lo;
      switch (field) {
        case H_TRACE_ID:
          view.traceId = buf.toString('utf8', pos, valueEnd);
          break;
        case H_SPAN_ID:
          view.spanId = buf.toString('utf8', pos, valueEnd);
          break;
        case H_PARENT_SPAN_ID:
          view.parentSpanId = buf.toString('utf8', pos, valueEnd);
          break;
        case H_SERVICE_NAME:
          view.serviceName = buf.toString('utf8', pos, valueEnd);
          break;
        case H_OPERATION:
          view.operationStart = pos;
          view.operationEnd = valueEnd;
          break;
        case H_LOGS: {
          const log = readLog(buf, pos, valueEnd);
          if (log === undefined) return undefined;
          view.logs.push(log);
          break;
        }
        case H_TAGS: {
          const tag = readTag(buf, pos, valueEnd);
          if (tag === undefined) return undefined;
          view.tags.push(tag);
          break;
        }
      }
      pos = valueEnd;
    } else if (wireType === WIRE_VARINT && (field === H_START || field === H_DURATION)) {
      pos = readVarint(buf, pos, end);
      if (pos < 0) return undefined;
      if (field === H_START) view.startTime = int64();
      else view.duration = int64();
    } else {
      pos = skipField(buf, pos, end, field, wireType);
      if (pos < 0) return undefined;
    }
  }
  return view;
}

function readLog(buf: Buffer, pos: number, end: number): LogView | undefined {
  const log: LogView = { timestamp: 0, fields: [] };
  while (pos < end) {
    pos = readVarint(buf, pos, end);
    if (pos < 0) return undefined;
    const field = varint.lo >>> 3;
    const wireType = varint.lo & 7;
    if (field === 0) return undefined;
    if (field === LOG_FIELDS && wireType === WIRE_LEN) {
      pos = readLength(buf, pos, end);
      if (pos < 0) return undefined;
      const fieldEnd = pos + varint.lo; // read before readTag reuses the scratch varint
      const tag = readTag(buf, pos, fieldEnd);
      if (tag === undefined) return undefined;
      log.fields.push(tag);
      pos = fieldEnd;
    } else if (field === LOG_TIMESTAMP && wireType === WIRE_VARINT) {
      pos = readVarint(buf, pos, end);
      if (pos < 0) return undefined;
      log.timestamp = int64();
    } else {
      pos = skipField(buf, pos, end, field, wireType);
      if (pos < 0) return undefined;
    }
  }
  return log;
}

function readTag(buf: Buffer, pos: number, end: number): TagView | undefined {
  const tag: TagView = {
    keyStart: pos,
    keyEnd: pos,
    type: 0,
    value: TagValue.none,
    valueStart: 0,
    valueEnd: 0,
  };
  while (pos < end) {
    pos = readVarint(buf, pos, end);
    if (pos < 0) return undefined;
    const field = varint.lo >>> 3;
    const wireType = varint.lo & 7;
    if (field === 0) return undefined;
    const start = pos;
    if (wireType === WIRE_LEN && (field === TAG_KEY || field === TAG_STR || field === TAG_BYTES)) {
      pos = readLength(buf, pos, end);
      if (pos < 0) return undefined;
      if (field === TAG_KEY) {
        tag.keyStart = pos;
        tag.keyEnd = pos + varint.lo;
      } else {
        tag.value = field;
        tag.valueStart = pos;
        tag.valueEnd = pos + varint.lo;
      }
      pos += varint.lo;
    } else if (
      wireType === WIRE_VARINT &&
      (field === TAG_TYPE || field === TAG_LONG || field === TAG_BOOL)
    ) {
      pos = readVarint(buf, pos, end);
      if (pos < 0) return undefined;
      if (field === TAG_TYPE) tag.type = varint.lo;
      else {
        tag.value = field;
        tag.valueStart = start;
        tag.valueEnd = pos;
      }
    } else if (wireType === WIRE_FIXED64 && field === TAG_DOUBLE) {
      if (pos + 8 > end) return undefined;
      tag.value = TagValue.double;
      tag.valueStart = pos;
      tag.valueEnd = pos + 8;
      pos += 8;
    } else {
      pos = skipField(buf, pos, end, field, wireType);
      if (pos < 0) return undefined;
    }
  }
  return tag;
}

/** The last varint read, as a signed int64: a number while exact, else a bigint. */
function int64(): number | bigint {
  const { lo, hi } = varint;
  if (hi < 0x200000) return hi * 4294967296 + lo;
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
}

/** True when the tag's key is exactly `key` (ASCII keys only, which every derived key is). */
export function keyIs(bytes: Uint8Array, tag: TagView, key: string): boolean {
  const n = tag.keyEnd - tag.keyStart;
  if (n !== key.length) return false;
  for (let i = 0; i < n; i++) {
    if (bytes[tag.keyStart + i] !== key.charCodeAt(i)) return false;
  }
  return true;
}

/** The tag's string value when it is a `vStr`, else undefined. */
export function stringValue(bytes: Uint8Array, tag: TagView): string | undefined {
  if (tag.value !== TagValue.str) return undefined;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(
    'utf8',
    tag.valueStart,
    tag.valueEnd,
  );
}
