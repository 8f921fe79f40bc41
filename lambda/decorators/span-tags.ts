import { Span } from '../../proto/haystack.generated.js';
import { readLength, readVarint, skipField, varint, WIRE_LEN } from '../wire.js';

/**
 * Reads what the decorators need from a serialized Haystack `Span` (its service name and its
 * tags' keys and string values) by walking the wire format, and writes string tags as bytes
 * to append. Decorators work on bytes so that a span they leave alone keeps its exact bytes,
 * and one they change is re-encoded only as far as the change needs.
 */

/** One `Span.tags` entry, located in the span's bytes. */
export interface TagView {
  /** Where the whole field (tag number, length and the Tag message) starts and ends. */
  start: number;
  end: number;
  key: string;
  /** Where `vStr` lies, or -1 when the tag has no string value (another oneof member won). */
  strStart: number;
  strEnd: number;
}

/** The parts of a span the decorators read. */
export interface SpanView {
  serviceName: string;
  tags: TagView[];
}

const SPAN_SERVICE_NAME = 4;
const SPAN_TAGS = 9;
const TAG_KEY = 1;
const TAG_V_STR = 3;
const TAG_V_LONG = 4;
const TAG_V_BYTES = 7;

/**
 * Walks a span's top level and its tags. Returns undefined when the bytes are not a
 * well-formed span (decorators then leave them as they are; spans.ts has refused them
 * already in the pipeline).
 */
export function readSpanView(bytes: Uint8Array): SpanView | undefined {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = buf.length;
  const tags: TagView[] = [];
  let serviceName = '';
  let pos = 0;
  while (pos < end) {
    const start = pos;
    pos = readVarint(buf, pos, end);
    if (pos < 0) return undefined;
    const field = varint.lo >>> 3;
    const wireType = varint.lo & 7;
    if (field === 0) return undefined;
    if (wireType === WIRE_LEN && (field === SPAN_TAGS || field === SPAN_SERVICE_NAME)) {
      pos = readLength(buf, pos, end);
      if (pos < 0) return undefined;
      const valueEnd = pos + varint.lo;
      if (field === SPAN_SERVICE_NAME) {
        serviceName = buf.toString('utf8', pos, valueEnd); // the last occurrence wins
      } else {
        const tag = readTag(buf, start, pos, valueEnd);
        if (tag === undefined) return undefined;
        tags.push(tag);
      }
      pos = valueEnd;
    } else {
      pos = skipField(buf, pos, end, field, wireType);
      if (pos < 0) return undefined;
    }
  }
  return { serviceName, tags };
}

function readTag(buf: Buffer, start: number, pos: number, end: number): TagView | undefined {
  const tag: TagView = { start, end, key: '', strStart: -1, strEnd: -1 };
  while (pos < end) {
    pos = readVarint(buf, pos, end);
    if (pos < 0) return undefined;
    const field = varint.lo >>> 3;
    const wireType = varint.lo & 7;
    if (field === 0) return undefined;
    if (wireType === WIRE_LEN && (field === TAG_KEY || field === TAG_V_STR)) {
      pos = readLength(buf, pos, end);
      if (pos < 0) return undefined;
      const valueEnd = pos + varint.lo;
      if (field === TAG_KEY) {
        tag.key = buf.toString('utf8', pos, valueEnd);
      } else {
        tag.strStart = pos;
        tag.strEnd = valueEnd;
      }
      pos = valueEnd;
    } else {
      // A later member of the `myvalue` oneof replaces the string value, as a parser would.
      if (field >= TAG_V_LONG && field <= TAG_V_BYTES) tag.strStart = tag.strEnd = -1;
      pos = skipField(buf, pos, end, field, wireType);
      if (pos < 0) return undefined;
    }
  }
  return tag;
}

/** The tag's string value, or undefined when it has none. */
export function tagString(bytes: Uint8Array, tag: TagView): string | undefined {
  if (tag.strStart < 0) return undefined;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(
    'utf8',
    tag.strStart,
    tag.strEnd,
  );
}

/**
 * A `STRING` tag as the bytes of one `Span.tags` field. Appending them to a serialized span
 * adds the tag last, exactly as `Span.Builder.addTags` followed by `toByteArray` would
 * (repeated fields concatenate on the wire).
 */
export function stringTagField(key: string, value: string): Buffer {
  const bytes = Span.encode({ tags: [{ key, vStr: value }] }).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
