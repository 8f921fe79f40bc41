import { type ITag, Span, Tag } from '../../proto/haystack.generated.js';
import { otlp } from '../../proto/otlp-trace.generated.js';
import {
  H_DURATION,
  H_LOGS,
  H_OPERATION,
  H_PARENT_SPAN_ID,
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
  ANY_ARRAY,
  ANY_BOOL,
  ANY_BYTES,
  ANY_DOUBLE,
  ANY_INT,
  ANY_KVLIST,
  ANY_STRING,
  EVENT_ATTRIBUTES,
  EVENT_NAME,
  EVENT_TIME,
  KV_KEY,
  KV_VALUE,
  SPAN_ATTRIBUTES,
  SPAN_END,
  SPAN_EVENTS,
  SPAN_KIND,
  SPAN_NAME,
  SPAN_PARENT_SPAN_ID,
  SPAN_SPAN_ID,
  SPAN_START,
  SPAN_STATUS,
  SPAN_TRACE_ID,
  STATUS_CODE,
  STATUS_MESSAGE,
} from '../otlp-fields.js';
import { ID_ATTRIBUTES, otlpParentSpanId, otlpSpanId, otlpTraceId } from '../outputs/otlp-ids.js';
import {
  type CheckedSpan,
  emptySpanFacts,
  MIN_START_TIME_MICROS,
  parseSpan,
  ruleBroken,
  type SpanRejection,
} from '../spans.js';
import {
  readLength,
  readVarint,
  skipField,
  varint,
  WIRE_FIXED64,
  WIRE_LEN,
  WIRE_VARINT,
} from '../wire.js';
import { WireWriter } from '../wire-writer.js';
import type { DecodedSpan } from './decoded.js';
import { anyValueJson, type OtlpScope } from './otlp-spans.js';

/**
 * One OTLP `Span` (its bytes) to the bytes of one Haystack `Span`, on the wire: the mapping of
 * docs/otlp-mapping.md without building protobufjs objects in between. Names, keys, string
 * and bytes values are copied as bytes; 64-bit integers and doubles keep their encoding; only
 * ids (to hex) and times (ns to µs) are computed. The result is byte for byte what protobufjs
 * writes for the same span (the previous implementation, kept in the tests as the reference).
 *
 * Each span's validation is found while it is written: the facts the rules of lambda/spans.ts
 * look at (names, ids, times, whether every string copied is UTF-8, which OTLP requires but
 * does not guarantee) go to the same `ruleBroken`, so the span is not parsed a second time.
 * The tests hold this verdict to what `checkSpan` answers for the bytes, for any span.
 */

/** What every span of one resource and scope shares, encoded once. */
export interface EncodedScope {
  /** `Span.serviceName` as a whole field. */
  serviceField: Buffer;
  /** Its value's length in bytes, for validation; 0 when it does not decode. */
  serviceLength: number;
  /** False when the field does not decode (a name that protobufjs writes as invalid UTF-8). */
  serviceDecodes: boolean;
  /**
   * Resource and scope tags, each a whole `Span.tags` field, with its key for de-duplication:
   * the first of a key only, and which tag derived from the span's fields it would repeat;
   * `decodes` is false for a tag that does not decode as a Haystack tag.
   */
  tags: Array<{ key: Buffer; field: Buffer; derived: number; decodes: boolean }>;
  /** Every tag's field one after the other: what most spans get, written in one copy. */
  allTags: Buffer;
  /** Whether every tag decodes. */
  allTagsDecode: boolean;
  /** The tags' {@link keyLengthBit}s, and their `derived` bits: what may make a span skip one. */
  keyLengths: number;
  derived: number;
}

/** Encodes what a resource and scope give every span (otlp-spans.ts `otlpScope`). */
export function encodeScope(scope: OtlpScope): EncodedScope {
  const facts = emptySpanFacts();
  const seen = new Set<string>();
  const tags: EncodedScope['tags'] = [];
  for (const tag of scope.tags) {
    const key = tag.key ?? '';
    if (seen.has(key)) continue; // a later tag of the same key is always left out
    seen.add(key);
    const derived = DERIVED_KEYS.indexOf(key);
    const bytes = field(Span.encode({ tags: [tag] }).finish());
    tags.push({
      key: Buffer.from(key, 'utf8'),
      field: bytes,
      derived: derived < 0 ? 0 : 1 << derived,
      decodes: parseSpan(bytes, facts),
    });
  }
  const serviceField = field(Span.encode({ serviceName: scope.serviceName }).finish());
  const serviceDecodes = parseSpan(serviceField, facts);
  return {
    serviceField,
    serviceLength: serviceDecodes ? facts.serviceLength : 0,
    serviceDecodes,
    tags,
    allTags: Buffer.concat(tags.map((t) => t.field)),
    allTagsDecode: tags.every((t) => t.decodes),
    keyLengths: tags.reduce((bits, t) => bits | keyLengthBit(t.key.length), 0),
    derived: tags.reduce((bits, t) => bits | t.derived, 0),
  };
}

/**
 * One bit per key length (modulo 32): a span's attribute keys as a mask, so most searches for
 * a key among them end without comparing a byte.
 */
function keyLengthBit(length: number): number {
  return 1 << (length & 31);
}

function field(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Field bytes of the tags OTLP's kind and status become, built once. */
const tagField = (tag: ITag) => field(Span.encode({ tags: [tag] }).finish());
const KIND_TAGS: ReadonlyArray<Buffer | undefined> = [
  undefined,
  tagField({ key: 'span.kind', vStr: 'internal' }),
  tagField({ key: 'span.kind', vStr: 'server' }),
  tagField({ key: 'span.kind', vStr: 'client' }),
  tagField({ key: 'span.kind', vStr: 'producer' }),
  tagField({ key: 'span.kind', vStr: 'consumer' }),
];
const ERROR_TAG = tagField({ key: 'error', type: Tag.TagType.BOOL, vBool: true });
const STATUS_TAGS: ReadonlyArray<Buffer | undefined> = [
  undefined,
  tagField({ key: 'otel.status_code', vStr: 'OK' }),
  tagField({ key: 'otel.status_code', vStr: 'ERROR' }),
];
const STATUS_DESCRIPTION = 'otel.status_description';
// Tag types read once: a property of the generated module is a getter in the bundle, per tag.
const TYPE_BOOL = Tag.TagType.BOOL;
const TYPE_LONG = Tag.TagType.LONG;
const TYPE_DOUBLE = Tag.TagType.DOUBLE;
const TYPE_BINARY = Tag.TagType.BINARY;
/** Keys of the tags derived from OTLP fields, in the order they are added; bits of a mask. */
const DERIVED_KEYS = ['span.kind', 'error', 'otel.status_code', STATUS_DESCRIPTION];
const KIND_KEY = Buffer.from('span.kind');
const ERROR_KEY = Buffer.from('error');
const STATUS_CODE_KEY = Buffer.from('otel.status_code');
const STATUS_DESCRIPTION_KEY = Buffer.from(STATUS_DESCRIPTION);
const EVENT_KEY = Buffer.from('event');

/** A length-delimited value's range in the input. */
interface Range {
  start: number;
  end: number;
}

/** One attribute: where its key and its value's chosen member lie. */
interface Attribute {
  keyStart: number;
  keyEnd: number;
  /** AnyValue member field number (1-7), 0 when the AnyValue is empty or absent. */
  member: number;
  valueStart: number;
  valueEnd: number;
  /** The whole AnyValue, for arrays and key-value lists (written as JSON). */
  anyStart: number;
  anyEnd: number;
  /** Taken back as a Haystack id, so not a tag. */
  skip: boolean;
}

/**
 * Attributes are parsed into objects reused from span to span (one pool for the span's, one
 * for an event's): allocating a dozen per span was the largest share of the garbage.
 */
const SPAN_ATTRIBUTE_POOL: Attribute[] = [];
const EVENT_ATTRIBUTE_POOL: Attribute[] = [];
const eventStarts: number[] = [];
const eventEnds: number[] = [];

function pooled(pool: Attribute[], i: number): Attribute {
  let a = pool[i];
  if (a === undefined) {
    a = {
      keyStart: 0,
      keyEnd: 0,
      member: 0,
      valueStart: 0,
      valueEnd: 0,
      anyStart: 0,
      anyEnd: 0,
      skip: false,
    };
    pool[i] = a;
  }
  return a;
}

class Malformed extends Error {}
const MALFORMED = new Malformed();

const writer = new WireWriter();

/** What the span being written tells its validation (scratch, reused span after span). */
const facts = emptySpanFacts();
/** False once a string copied into the span being written is not UTF-8. */
let stringsUtf8 = true;
/** The {@link keyLengthBit}s of the span's attribute keys. */
let keys = 0;

/**
 * The Haystack spans of one record, transcoded one after another into one buffer: each span is
 * a view of it, so a record of a hundred spans costs one allocation, not a hundred. One at a
 * time (they share the module's writer); {@link finish} before the next record starts.
 */
export class TranscodedSpans {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly verdicts: CheckedSpan[] = [];

  constructor() {
    writer.reset();
  }

  /** Transcodes the OTLP span at `bytes[start, end)`; one that does not parse is refused alone. */
  add(bytes: Buffer, start: number, end: number, scope: EncodedScope): void {
    const at = writer.pos;
    try {
      const rejection = transcode(writer, bytes, start, end, scope);
      this.starts.push(at);
      this.ends.push(writer.pos);
      this.verdicts.push({
        rejection,
        traceStart: facts.traceStart - at,
        traceEnd: facts.traceEnd - at,
      });
    } catch (error) {
      writer.rewind(at);
      if (!(error instanceof Malformed)) throw error;
      this.starts.push(-1);
      this.ends.push(-1);
      this.verdicts.push(NOT_WRITTEN);
    }
  }

  /** The spans in order: views of one buffer holding them all, each with its verdict. */
  finish(): DecodedSpan[] {
    const all = writer.finish();
    return this.starts.map((start, i) =>
      start < 0
        ? { ok: false, reason: 'invalid-otlp-span' }
        : {
            ok: true,
            bytes: all.subarray(start, this.ends[i]),
            checked: this.verdicts[i] as CheckedSpan,
          },
    );
  }
}

const NOT_WRITTEN: CheckedSpan = { rejection: 'undecodable', traceStart: 0, traceEnd: 0 };

/**
 * Writes the span and returns the first rule it breaks (spans.ts), or `undefined`; `facts`
 * then holds where its traceId was written.
 */
function transcode(
  w: WireWriter,
  b: Buffer,
  start: number,
  end: number,
  scope: EncodedScope,
): SpanRejection | undefined {
  let traceStart = -1;
  let traceEnd = -1;
  let spanStart = -1;
  let spanEnd = -1;
  let parentStart = -1;
  let parentEnd = -1;
  let nameStart = 0;
  let nameEnd = 0;
  let statusStart = -1;
  let statusEnd = -1;
  let kind = 0;
  let startLo = 0;
  let startHi = 0;
  let endLo = 0;
  let endHi = 0;
  const attributes = SPAN_ATTRIBUTE_POOL;
  let count = 0;
  let events = 0;

  let pos = start;
  while (pos < end) {
    pos = readVarint(b, pos, end);
    if (pos < 0) throw MALFORMED;
    const f = varint.lo >>> 3;
    const wireType = varint.lo & 7;
    if (f === 0) throw MALFORMED;
    if (wireType === WIRE_LEN) {
      pos = readLength(b, pos, end);
      if (pos < 0) throw MALFORMED;
      const at = pos;
      pos += varint.lo;
      if (f === SPAN_ATTRIBUTES) readKeyValue(b, at, pos, pooled(attributes, count++));
      else if (f === SPAN_EVENTS) {
        eventStarts[events] = at;
        eventEnds[events++] = pos;
      } else if (f === SPAN_TRACE_ID) {
        traceStart = at;
        traceEnd = pos;
      } else if (f === SPAN_SPAN_ID) {
        spanStart = at;
        spanEnd = pos;
      } else if (f === SPAN_PARENT_SPAN_ID) {
        parentStart = at;
        parentEnd = pos;
      } else if (f === SPAN_NAME) {
        nameStart = at;
        nameEnd = pos;
      } else if (f === SPAN_STATUS) {
        statusStart = at;
        statusEnd = pos;
      }
    } else if (wireType === WIRE_FIXED64 && (f === SPAN_START || f === SPAN_END)) {
      if (pos + 8 > end) throw MALFORMED;
      if (f === SPAN_START) {
        startLo = b.readUInt32LE(pos);
        startHi = b.readUInt32LE(pos + 4);
      } else {
        endLo = b.readUInt32LE(pos);
        endHi = b.readUInt32LE(pos + 4);
      }
      pos += 8;
    } else if (wireType === WIRE_VARINT && f === SPAN_KIND) {
      pos = readVarint(b, pos, end);
      if (pos < 0) throw MALFORMED;
      kind = varint.lo;
    } else {
      pos = skipField(b, pos, end, f, wireType);
      if (pos < 0) throw MALFORMED;
    }
  }

  const hasTrace = idState(b, traceStart, traceEnd, 16);
  const hasSpan = idState(b, spanStart, spanEnd, 8);
  const hasParent = idState(b, parentStart, parentEnd, 8);

  // Ids a Haystack producer gave that OTLP could not spell come back from their attributes.
  let traceText: string | undefined;
  let spanText: string | undefined;
  let parentText: string | undefined;
  keys = 0;
  for (let i = 0; i < count; i++) {
    const a = attributes[i] as Attribute;
    const n = a.keyEnd - a.keyStart;
    keys |= keyLengthBit(n);
    if (a.member !== ANY_STRING || (n !== 17 && n !== 16 && n !== 23)) continue;
    const key = b.toString('latin1', a.keyStart, a.keyEnd);
    const text = b.toString('utf8', a.valueStart, a.valueEnd);
    if (key === ID_ATTRIBUTES.traceId && traceText === undefined && hasTrace) {
      if (matches(otlpTraceId(text), b, traceStart, traceEnd)) traceText = text;
      else continue;
    } else if (key === ID_ATTRIBUTES.spanId && spanText === undefined && hasSpan) {
      if (matches(otlpSpanId(text), b, spanStart, spanEnd)) spanText = text;
      else continue;
    } else if (key === ID_ATTRIBUTES.parentSpanId && parentText === undefined) {
      const parent = otlpParentSpanId(text);
      if (text !== '' && matches(parent, b, hasParent ? parentStart : -1, parentEnd)) {
        parentText = text;
      } else continue;
    } else continue;
    a.skip = true;
  }

  stringsUtf8 = true;
  if (traceText !== undefined) w.stringField(H_TRACE_ID, traceText);
  else if (hasTrace) w.hexField(H_TRACE_ID, b, traceStart, traceEnd);
  // The field's value is what was written last: its length is known.
  facts.traceEnd = w.pos;
  facts.traceStart =
    traceText !== undefined
      ? w.pos - Buffer.byteLength(traceText)
      : hasTrace
        ? w.pos - (traceEnd - traceStart) * 2
        : w.pos;
  if (spanText !== undefined) w.stringField(H_SPAN_ID, spanText);
  else if (hasSpan) w.hexField(H_SPAN_ID, b, spanStart, spanEnd);
  facts.spanIdLength =
    spanText !== undefined ? Buffer.byteLength(spanText) : hasSpan ? (spanEnd - spanStart) * 2 : 0;
  if (parentText !== undefined) w.stringField(H_PARENT_SPAN_ID, parentText);
  else if (hasParent) w.hexField(H_PARENT_SPAN_ID, b, parentStart, parentEnd);
  w.raw(scope.serviceField);
  facts.serviceLength = scope.serviceLength;
  let decodes = scope.serviceDecodes;
  if (nameEnd > nameStart) stringsUtf8 = w.textField(H_OPERATION, b, nameStart, nameEnd);
  facts.operationLength = nameEnd - nameStart;
  facts.startTimeValid = writeMicros(w, H_START, startLo, startHi) >= MIN_START_TIME_MICROS;
  facts.durationNegative = writeDuration(w, startLo, startHi, endLo, endHi);
  for (let i = 0; i < events; i++) writeLog(w, b, eventStarts[i] as number, eventEnds[i] as number);

  for (let i = 0; i < count; i++) {
    const a = attributes[i] as Attribute;
    if (!a.skip) writeTag(w, b, a);
  }
  status.code = 0;
  status.messageStart = 0;
  status.messageEnd = 0;
  if (statusStart >= 0) readStatus(b, statusStart, statusEnd);
  const kindTag = KIND_TAGS[kind];
  let added = 0; // bits of DERIVED_KEYS
  if (kindTag && !hasKey(b, attributes, count, KIND_KEY)) {
    w.raw(kindTag);
    added |= 1;
  }
  if (status.code === 2 && !hasKey(b, attributes, count, ERROR_KEY)) {
    w.raw(ERROR_TAG);
    added |= 2;
  }
  const statusTag = STATUS_TAGS[status.code];
  if (statusTag && !hasKey(b, attributes, count, STATUS_CODE_KEY)) {
    w.raw(statusTag);
    added |= 4;
  }
  if (
    status.messageEnd > status.messageStart &&
    !hasKey(b, attributes, count, STATUS_DESCRIPTION_KEY)
  ) {
    w.fork(H_TAGS).bytesField(TAG_KEY, STATUS_DESCRIPTION_KEY);
    text(w.textField(TAG_STR, b, status.messageStart, status.messageEnd));
    w.join();
    added |= 8;
  }
  if ((scope.derived & added) === 0 && (scope.keyLengths & keys) === 0) {
    // No attribute or derived tag can replace one of the scope's: all of them, in one copy.
    w.raw(scope.allTags);
    decodes &&= scope.allTagsDecode;
  } else {
    for (const tag of scope.tags) {
      if ((tag.derived & added) !== 0 || hasKey(b, attributes, count, tag.key)) continue;
      w.raw(tag.field);
      decodes &&= tag.decodes;
    }
  }
  return decodes && stringsUtf8 ? ruleBroken(facts) : 'undecodable';
}

/** Notes whether a string just copied was UTF-8. */
function text(utf8: boolean): void {
  if (!utf8) stringsUtf8 = false;
}

/**
 * Whether an id is there: false when absent, empty or all zero (W3C's invalid id, which
 * validation then refuses by name); a length other than `size` refuses the span.
 */
function idState(b: Buffer, start: number, end: number, size: number): boolean {
  if (start < 0 || end === start) return false;
  if (end - start !== size) throw MALFORMED;
  for (let i = start; i < end; i++) if (b[i] !== 0) return true;
  return false;
}

/** True when `id` is the id at `b[start, end)`; an absent id (start -1) matches only an empty one. */
function matches(id: Buffer, b: Buffer, start: number, end: number): boolean {
  if (start < 0) return id.length === 0;
  return id.length === end - start && id.equals(b.subarray(start, end));
}

/** True when a span attribute (not one taken back as an id) has this key. */
function hasKey(b: Buffer, attributes: readonly Attribute[], count: number, key: Buffer): boolean {
  const n = key.length;
  if ((keys & keyLengthBit(n)) === 0) return false;
  for (let k = 0; k < count; k++) {
    const a = attributes[k] as Attribute;
    if (a.keyEnd - a.keyStart !== n || a.skip) continue;
    let same = true;
    for (let i = 0; i < n; i++) {
      if (b[a.keyStart + i] !== key[i]) {
        same = false;
        break;
      }
    }
    if (same) return true;
  }
  return false;
}

/** A `KeyValue`: its key's range and the member of its `AnyValue` that is set (the last one). */
function readKeyValue(b: Buffer, start: number, end: number, a: Attribute): void {
  a.keyStart = start;
  a.keyEnd = start;
  a.member = 0;
  a.skip = false;
  let pos = start;
  while (pos < end) {
    pos = readVarint(b, pos, end);
    if (pos < 0) throw MALFORMED;
    const f = varint.lo >>> 3;
    const wireType = varint.lo & 7;
    if (f === 0) throw MALFORMED;
    if (wireType === WIRE_LEN && (f === KV_KEY || f === KV_VALUE)) {
      pos = readLength(b, pos, end);
      if (pos < 0) throw MALFORMED;
      const valueEnd = pos + varint.lo;
      if (f === KV_KEY) {
        a.keyStart = pos;
        a.keyEnd = valueEnd;
      } else {
        a.member = 0;
        a.anyStart = pos;
        a.anyEnd = valueEnd;
        readAnyValue(b, pos, valueEnd, a);
      }
      pos = valueEnd;
    } else {
      pos = skipField(b, pos, end, f, wireType);
      if (pos < 0) throw MALFORMED;
    }
  }
}

function readAnyValue(b: Buffer, start: number, end: number, a: Attribute): void {
  let pos = start;
  while (pos < end) {
    pos = readVarint(b, pos, end);
    if (pos < 0) throw MALFORMED;
    const f = varint.lo >>> 3;
    const wireType = varint.lo & 7;
    if (f === 0) throw MALFORMED;
    const at = pos;
    if (
      wireType === WIRE_LEN &&
      (f === ANY_STRING || f === ANY_BYTES || f === ANY_ARRAY || f === ANY_KVLIST)
    ) {
      pos = readLength(b, pos, end);
      if (pos < 0) throw MALFORMED;
      a.member = f;
      a.valueStart = pos;
      a.valueEnd = pos + varint.lo;
      pos = a.valueEnd;
    } else if (wireType === WIRE_VARINT && (f === ANY_BOOL || f === ANY_INT)) {
      pos = readVarint(b, pos, end);
      if (pos < 0) throw MALFORMED;
      a.member = f;
      a.valueStart = at;
      a.valueEnd = pos;
    } else if (wireType === WIRE_FIXED64 && f === ANY_DOUBLE) {
      if (pos + 8 > end) throw MALFORMED;
      a.member = f;
      a.valueStart = pos;
      a.valueEnd = pos + 8;
      pos += 8;
    } else {
      pos = skipField(b, pos, end, f, wireType);
      if (pos < 0) throw MALFORMED;
    }
  }
}

/** An attribute as a typed Haystack tag (otlp-spans.ts `typedTag`), as a `Span.tags` field. */
function writeTag(w: WireWriter, b: Buffer, a: Attribute, fieldNumber = H_TAGS): void {
  w.fork(fieldNumber);
  if (a.keyEnd > a.keyStart) text(w.textField(TAG_KEY, b, a.keyStart, a.keyEnd));
  switch (a.member) {
    case ANY_STRING:
      text(w.textField(TAG_STR, b, a.valueStart, a.valueEnd));
      break;
    case ANY_BOOL: {
      let set = false;
      for (let i = a.valueStart; i < a.valueEnd; i++) if ((b[i] as number) & 0x7f) set = true;
      w.varintField(TAG_TYPE, TYPE_BOOL).varintField(TAG_BOOL, set ? 1 : 0);
      break;
    }
    case ANY_INT:
      w.varintField(TAG_TYPE, TYPE_LONG).tag(TAG_LONG, WIRE_VARINT);
      w.raw(b, a.valueStart, a.valueEnd);
      break;
    case ANY_DOUBLE:
      w.varintField(TAG_TYPE, TYPE_DOUBLE).tag(TAG_DOUBLE, WIRE_FIXED64);
      w.raw(b, a.valueStart, a.valueEnd);
      break;
    case ANY_BYTES:
      w.varintField(TAG_TYPE, TYPE_BINARY);
      w.bytesField(TAG_BYTES, b, a.valueStart, a.valueEnd);
      break;
    case ANY_ARRAY:
    case ANY_KVLIST: {
      let value: otlp.AnyValue;
      try {
        value = otlp.AnyValue.decode(b.subarray(a.anyStart, a.anyEnd));
      } catch {
        throw MALFORMED;
      }
      w.stringField(TAG_STR, anyValueJson(value));
      break;
    }
    default:
      w.bytesField(TAG_STR, b, 0, 0); // an empty AnyValue: an empty string, as OpenTelemetry allows
  }
  w.join();
}

/** An event as a `Log`: the `event` field holds its name, its attributes follow. */
function writeLog(w: WireWriter, b: Buffer, start: number, end: number): void {
  let timeLo = 0;
  let timeHi = 0;
  let name: Range | undefined;
  const attributes = EVENT_ATTRIBUTE_POOL;
  let count = 0;
  let pos = start;
  while (pos < end) {
    pos = readVarint(b, pos, end);
    if (pos < 0) throw MALFORMED;
    const f = varint.lo >>> 3;
    const wireType = varint.lo & 7;
    if (f === 0) throw MALFORMED;
    if (wireType === WIRE_LEN && (f === EVENT_NAME || f === EVENT_ATTRIBUTES)) {
      pos = readLength(b, pos, end);
      if (pos < 0) throw MALFORMED;
      const valueEnd = pos + varint.lo;
      if (f === EVENT_NAME) name = { start: pos, end: valueEnd };
      else readKeyValue(b, pos, valueEnd, pooled(attributes, count++));
      pos = valueEnd;
    } else if (wireType === WIRE_FIXED64 && f === EVENT_TIME) {
      if (pos + 8 > end) throw MALFORMED;
      timeLo = b.readUInt32LE(pos);
      timeHi = b.readUInt32LE(pos + 4);
      pos += 8;
    } else {
      pos = skipField(b, pos, end, f, wireType);
      if (pos < 0) throw MALFORMED;
    }
  }
  w.fork(H_LOGS);
  writeMicros(w, LOG_TIMESTAMP, timeLo, timeHi);
  if (name && name.end > name.start) {
    w.fork(LOG_FIELDS).bytesField(TAG_KEY, EVENT_KEY);
    text(w.textField(TAG_STR, b, name.start, name.end));
    w.join();
  }
  for (let i = 0; i < count; i++) writeTag(w, b, attributes[i] as Attribute, LOG_FIELDS);
  w.join();
}

/** The last status read (scratch, like the wire reader's varint). */
const status = { code: 0, messageStart: 0, messageEnd: 0 };

function readStatus(b: Buffer, start: number, end: number): void {
  let pos = start;
  while (pos < end) {
    pos = readVarint(b, pos, end);
    if (pos < 0) throw MALFORMED;
    const f = varint.lo >>> 3;
    const wireType = varint.lo & 7;
    if (f === 0) throw MALFORMED;
    if (wireType === WIRE_LEN && f === STATUS_MESSAGE) {
      pos = readLength(b, pos, end);
      if (pos < 0) throw MALFORMED;
      status.messageStart = pos;
      status.messageEnd = pos + varint.lo;
      pos = status.messageEnd;
    } else if (wireType === WIRE_VARINT && f === STATUS_CODE) {
      pos = readVarint(b, pos, end);
      if (pos < 0) throw MALFORMED;
      status.code = varint.lo;
    } else {
      pos = skipField(b, pos, end, f, wireType);
      if (pos < 0) throw MALFORMED;
    }
  }
}

const TWO_32 = 4294967296;

/**
 * Unsigned nanoseconds (fixed64 halves) as whole microseconds, rounded down, in an int64 field;
 * returns the microseconds (as a double: exact enough to compare with a minimum).
 */
function writeMicros(w: WireWriter, fieldNumber: number, lo: number, hi: number): number {
  if (lo === 0 && hi === 0) return 0;
  // (hi * 2^32 + lo) / 1000 without losing bits: divide the high half first.
  const hiQuotient = Math.floor(hi / 1000);
  const rest = (hi - hiQuotient * 1000) * TWO_32 + lo; // < 1000 * 2^32: exact
  const restQuotient = Math.floor(rest / 1000);
  // µs = hiQuotient * 2^32 + restQuotient, where restQuotient < 2^32 * 1000 / 1000 + 1.
  const carry = Math.floor(restQuotient / TWO_32);
  const microLo = restQuotient - carry * TWO_32;
  const microHi = hiQuotient + carry;
  if (microLo === 0 && microHi === 0) return 0;
  w.tag(fieldNumber, WIRE_VARINT).varint64(microLo, microHi);
  return microHi * TWO_32 + microLo;
}

/**
 * `duration` = (end − start) ns ÷ 1000, rounded down: negative when the span ends first;
 * returns whether it is.
 */
function writeDuration(
  w: WireWriter,
  startLo: number,
  startHi: number,
  endLo: number,
  endHi: number,
): boolean {
  let lo = endLo - startLo;
  let hi = endHi - startHi;
  if (lo < 0) {
    lo += TWO_32;
    hi -= 1;
  }
  if (hi === 0) {
    const micros = Math.floor(lo / 1000);
    if (micros !== 0) w.tag(H_DURATION, WIRE_VARINT).uint32(micros);
    return false;
  }
  const ns = BigInt(hi) * 4294967296n + BigInt(lo); // exact, may be negative
  const q = ns / 1000n;
  const micros = ns < 0n && q * 1000n !== ns ? q - 1n : q;
  if (micros === 0n) return false;
  const bits = BigInt.asUintN(64, micros);
  w.tag(H_DURATION, WIRE_VARINT).varint64(Number(bits & 0xffffffffn), Number(bits >> 32n));
  return micros < 0n;
}
