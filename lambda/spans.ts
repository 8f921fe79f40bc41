import type { UserRecord } from './records.js';
import type { Rejected } from './rejections.js';
import { isUtf8Range } from './utf8.js';
import {
  readLength,
  readVarint,
  skipField,
  varint,
  varintAsNumber,
  varintIsNegative,
  WIRE_LEN,
  WIRE_VARINT,
} from './wire.js';

/**
 * Why a user record is not a valid Haystack span, in the order the original collector
 * (haystack-commons `ProtoSpanExtractor`) checks: the first failure decides.
 */
export type SpanRejection =
  | 'undecodable'
  | 'missing-service-name'
  | 'missing-operation-name'
  | 'missing-span-id'
  | 'missing-trace-id'
  | 'start-time-not-micros'
  | 'negative-duration';

/**
 * 1971-01-01 in microseconds. A smaller start time is almost always a client sending
 * milliseconds or seconds, which Haystack would index decades in the past.
 */
export const MIN_START_TIME_MICROS = 31_536_000_000_000;

/** Where the traceId lies in the span's bytes; filled by {@link checkSpan} for a valid span. */
export interface TraceIdRange {
  start: number;
  end: number;
}

// Field numbers of haystack-idl (proto/span.proto) that carry a rule or nest a message.
// Span.parentSpanId (3), Log.timestamp (1) and Tag's type and non-string values need only
// well-formed framing, which skipField checks.
const SPAN_TRACE_ID = 1;
const SPAN_SPAN_ID = 2;
const SPAN_SERVICE_NAME = 4;
const SPAN_OPERATION_NAME = 5;
const SPAN_START_TIME = 6;
const SPAN_DURATION = 7;
const SPAN_LOGS = 8;
const SPAN_TAGS = 9;
const LOG_FIELDS = 2;
const TAG_KEY = 1;
const TAG_V_STR = 3;

/**
 * What the rules look at, however it was learned: by parsing the span ({@link checkSpan}), or
 * while writing it (formats/otlp-transcode.ts), so the rules themselves live only in
 * {@link ruleBroken}.
 */
export interface SpanFacts {
  serviceLength: number;
  operationLength: number;
  spanIdLength: number;
  /** Where the traceId lies (its last occurrence); equal when absent or empty. */
  traceStart: number;
  traceEnd: number;
  /** A start time of at least {@link MIN_START_TIME_MICROS} (proto3's default 0 fails). */
  startTimeValid: boolean;
  /** A duration below zero as an int64 (proto3's default 0 passes). */
  durationNegative: boolean;
}

/** The first rule a span that decoded breaks, in the original collector's order, or `undefined`. */
export function ruleBroken(facts: SpanFacts): SpanRejection | undefined {
  if (facts.serviceLength === 0) return 'missing-service-name';
  if (facts.operationLength === 0) return 'missing-operation-name';
  if (facts.spanIdLength === 0) return 'missing-span-id';
  if (facts.traceEnd === facts.traceStart) return 'missing-trace-id';
  if (!facts.startTimeValid) return 'start-time-not-micros';
  if (facts.durationNegative) return 'negative-duration';
  return undefined;
}

/** Fresh {@link SpanFacts}, for a caller's scratch (reused span after span). */
export function emptySpanFacts(): SpanFacts {
  return {
    serviceLength: 0,
    operationLength: 0,
    spanIdLength: 0,
    traceStart: 0,
    traceEnd: 0,
    startTimeValid: false,
    durationNegative: false,
  };
}

/** Scratch for {@link checkSpan}: the hot path allocates nothing per span. */
const parsed = emptySpanFacts();

/**
 * Validates one serialized `Span` the way the original collector does, without decoding it
 * into objects: the bytes must parse as a proto3 `Span` (well-formed wire format throughout,
 * nested logs and tags included, strings valid UTF-8), then the rules apply in order.
 *
 * Returns the first rejection, or `undefined` for a valid span, in which case `traceId` holds
 * the traceId's byte range: its UTF-8 bytes are the Kafka key, taken from the input as is.
 */
export function checkSpan(buf: Uint8Array, traceId: TraceIdRange): SpanRejection | undefined {
  if (!parseSpan(buf, parsed)) return 'undecodable';
  const broken = ruleBroken(parsed);
  if (broken !== undefined) return broken;
  traceId.start = parsed.traceStart;
  traceId.end = parsed.traceEnd;
  return undefined;
}

/**
 * Parses a serialized `Span` (or some of its fields) into `facts`, as Java's parser reads it;
 * false when it does not decode (framing, or a string that is not UTF-8). {@link checkSpan}
 * then applies the rules; formats/otlp-transcode.ts reads the fields it writes ahead of spans.
 */
export function parseSpan(buf: Uint8Array, facts: SpanFacts): boolean {
  const end = buf.length;
  let traceStart = 0;
  let traceEnd = 0;
  let spanIdLength = 0;
  let serviceLength = 0;
  let operationLength = 0;
  let startTimeValid = false; // proto3 default 0 fails the rule
  let durationNegative = false; // proto3 default 0 passes it
  let pos = 0;

  while (pos < end) {
    pos = readVarint(buf, pos, end);
    if (pos < 0) return false;
    const field = varint.lo >>> 3;
    const wireType = varint.lo & 7;
    if (field === 0) return false;

    // A known field number with another wire type is an unknown field to Java's parser: skipped.
    if (
      wireType === WIRE_LEN &&
      field <= SPAN_TAGS &&
      field !== SPAN_START_TIME &&
      field !== SPAN_DURATION
    ) {
      pos = readLength(buf, pos, end);
      if (pos < 0) return false;
      const valueEnd = pos + varint.lo;
      if (field === SPAN_LOGS) {
        if (!checkLog(buf, pos, valueEnd)) return false;
      } else if (field === SPAN_TAGS) {
        if (!checkTag(buf, pos, valueEnd)) return false;
      } else {
        if (!isUtf8Range(buf, pos, valueEnd)) return false;
        const length = valueEnd - pos;
        // Singular fields: the last occurrence wins, as in every protobuf parser.
        if (field === SPAN_TRACE_ID) {
          traceStart = pos;
          traceEnd = valueEnd;
        } else if (field === SPAN_SPAN_ID) spanIdLength = length;
        else if (field === SPAN_SERVICE_NAME) serviceLength = length;
        else if (field === SPAN_OPERATION_NAME) operationLength = length;
      }
      pos = valueEnd;
    } else if (wireType === WIRE_VARINT && (field === SPAN_START_TIME || field === SPAN_DURATION)) {
      pos = readVarint(buf, pos, end);
      if (pos < 0) return false;
      if (field === SPAN_START_TIME) {
        startTimeValid = !varintIsNegative() && varintAsNumber() >= MIN_START_TIME_MICROS;
      } else {
        durationNegative = varintIsNegative();
      }
    } else {
      pos = skipField(buf, pos, end, field, wireType);
      if (pos < 0) return false;
    }
  }

  facts.serviceLength = serviceLength;
  facts.operationLength = operationLength;
  facts.spanIdLength = spanIdLength;
  facts.traceStart = traceStart;
  facts.traceEnd = traceEnd;
  facts.startTimeValid = startTimeValid;
  facts.durationNegative = durationNegative;
  return true;
}

/** A `Log`: timestamp and repeated `Tag` fields. */
function checkLog(buf: Uint8Array, pos: number, end: number): boolean {
  while (pos < end) {
    pos = readVarint(buf, pos, end);
    if (pos < 0) return false;
    const field = varint.lo >>> 3;
    const wireType = varint.lo & 7;
    if (field === 0) return false;
    if (field === LOG_FIELDS && wireType === WIRE_LEN) {
      pos = readLength(buf, pos, end);
      if (pos < 0) return false;
      const valueEnd = pos + varint.lo;
      if (!checkTag(buf, pos, valueEnd)) return false;
      pos = valueEnd;
    } else {
      // The timestamp and unknown fields: only their framing matters.
      pos = skipField(buf, pos, end, field, wireType);
      if (pos < 0) return false;
    }
  }
  return true;
}

/** A `Tag`: key, type and one value; strings must be UTF-8, other values only well framed. */
function checkTag(buf: Uint8Array, pos: number, end: number): boolean {
  while (pos < end) {
    pos = readVarint(buf, pos, end);
    if (pos < 0) return false;
    const field = varint.lo >>> 3;
    const wireType = varint.lo & 7;
    if (field === 0) return false;
    if ((field === TAG_KEY || field === TAG_V_STR) && wireType === WIRE_LEN) {
      pos = readLength(buf, pos, end);
      if (pos < 0) return false;
      const valueEnd = pos + varint.lo;
      if (!isUtf8Range(buf, pos, valueEnd)) return false;
      pos = valueEnd;
    } else {
      // type, vLong, vBool (varints), vDouble (fixed64), vBytes and unknown fields: framing only.
      pos = skipField(buf, pos, end, field, wireType);
      if (pos < 0) return false;
    }
  }
  return true;
}

/**
 * A span's verdict found while it was written (formats/otlp-transcode.ts), from the same
 * {@link SpanFacts} and {@link ruleBroken}: exactly what {@link checkSpan} answers for its bytes.
 */
export interface CheckedSpan {
  rejection: SpanRejection | undefined;
  /** The traceId's range in the span's bytes, for a valid span. */
  traceStart: number;
  traceEnd: number;
}

/** A user record that passed every rule, with its Kafka key. */
export interface ValidSpan {
  record: UserRecord;
  /** The traceId's UTF-8 bytes: a view into the span's bytes, not a copy. */
  key: Buffer;
}

/**
 * Checks each user record; valid spans are returned in order, every other record is appended
 * to `rejected` with the reason of the first rule it broke. A record whose decoder already
 * found the verdict while writing it (`checked`) is not parsed again.
 */
export function checkSpans(userRecords: readonly UserRecord[], rejected: Rejected[]): ValidSpan[] {
  const valid: ValidSpan[] = [];
  const traceId: TraceIdRange = { start: 0, end: 0 };
  const nofuse = !!(globalThis as Record<string, unknown>).NOFUSE;
  for (const record of userRecords) {
    const checked = nofuse ? undefined : record.checked;
    const reason = checked ? checked.rejection : checkSpan(record.data, traceId);
    if (reason === undefined) {
      const key = checked
        ? record.data.subarray(checked.traceStart, checked.traceEnd)
        : record.data.subarray(traceId.start, traceId.end);
      valid.push({ record, key });
    } else {
      const { checked: _verdict, ...refused } = record;
      rejected.push({ ...refused, reason });
    }
  }
  return valid;
}
