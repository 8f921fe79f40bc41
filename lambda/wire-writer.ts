import { isUtf8Range } from './utf8.js';
import { WIRE_FIXED64, WIRE_LEN, WIRE_VARINT } from './wire.js';

/**
 * A protobuf writer for transcoding one message into another on the wire (OTLP to Haystack and
 * back) without building objects: strings and bytes are copied from the input as byte ranges,
 * never decoded and encoded again.
 *
 * Nested messages are written in place: {@link fork} reserves one byte for the length, and
 * {@link join} writes it, moving the content when the length needs more than one byte. The
 * output is what protobufjs and protoc write for the same fields (minimal varints), so results
 * compare byte for byte with independently encoded vectors.
 *
 * One writer is reused for every message (`reset`), growing as needed; {@link finish} copies
 * the result out, so the scratch buffer is never shared with the caller.
 */
export class WireWriter {
  private buf: Buffer;
  /** Write position. */
  pos = 0;
  private readonly forks: number[] = [];

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  reset(): this {
    this.pos = 0;
    this.forks.length = 0;
    return this;
  }

  /** Drops what was written after `pos` (a message abandoned half way), nested forks included. */
  rewind(pos: number): this {
    this.pos = pos;
    while (this.forks.length > 0 && (this.forks.at(-1) as number) >= pos) this.forks.pop();
    return this;
  }

  /** A copy of what was written since `start` (default: since the reset). */
  finish(start = 0): Buffer {
    const out = Buffer.allocUnsafe(this.pos - start);
    this.buf.copy(out, 0, start, this.pos);
    return out;
  }

  private room(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** An unsigned 32-bit varint. */
  uint32(value: number): this {
    this.room(5);
    this.pos = writeVarint32(this.buf, this.pos, value);
    return this;
  }

  /** A 64-bit varint from its low and high 32 bits (unsigned). */
  varint64(lo: number, hi: number): this {
    if (hi === 0) return this.uint32(lo);
    this.room(10);
    let l = lo >>> 0;
    let h = hi >>> 0;
    while (h > 0 || l >= 0x80) {
      this.buf[this.pos++] = (l & 0x7f) | 0x80;
      l = ((l >>> 7) | (h << 25)) >>> 0;
      h >>>= 7;
    }
    this.buf[this.pos++] = l;
    return this;
  }

  /** A field tag. */
  tag(field: number, wireType: number): this {
    return this.uint32((field << 3) | wireType);
  }

  /** Little-endian fixed64 from its low and high 32 bits. */
  fixed64(lo: number, hi: number): this {
    this.room(8);
    this.buf.writeUInt32LE(lo >>> 0, this.pos);
    this.buf.writeUInt32LE(hi >>> 0, this.pos + 4);
    this.pos += 8;
    return this;
  }

  /** Raw bytes, e.g. an already encoded field or a fixed64 read from the input. */
  raw(source: Uint8Array, start = 0, end = source.length): this {
    this.room(end - start);
    this.pos = copyInto(this.buf, this.pos, source, start, end);
    return this;
  }

  /** A length-delimited field holding the bytes `source[start, end)`. */
  bytesField(field: number, source: Uint8Array, start = 0, end = source.length): this {
    const n = end - start;
    this.room(n + 10);
    const buf = this.buf;
    let p = writeVarint32(buf, this.pos, (field << 3) | WIRE_LEN);
    p = writeVarint32(buf, p, n);
    this.pos = copyInto(buf, p, source, start, end);
    return this;
  }

  /**
   * A string field copied from `source[start, end)`; returns whether those bytes are UTF-8,
   * tested while copying (proto3 requires it; the caller decides what a false means).
   */
  textField(field: number, source: Uint8Array, start: number, end: number): boolean {
    const n = end - start;
    this.room(n + 10);
    const buf = this.buf;
    let p = writeVarint32(buf, this.pos, (field << 3) | WIRE_LEN);
    p = writeVarint32(buf, p, n);
    if (n > 32) {
      buf.set(source.subarray(start, end), p);
      this.pos = p + n;
      return isUtf8Range(source, start, end);
    }
    let high = 0;
    for (let i = start; i < end; i++) {
      const byte = source[i] as number;
      high |= byte;
      buf[p++] = byte;
    }
    this.pos = p;
    return high < 0x80 || isUtf8Range(source, start, end);
  }

  /** A string field written from a JS string (for the few strings not copied from the input). */
  stringField(field: number, value: string): this {
    const n = Buffer.byteLength(value);
    this.tag(field, WIRE_LEN).uint32(n);
    this.room(n);
    this.pos += this.buf.write(value, this.pos, 'utf8');
    return this;
  }

  /** A string field holding the lowercase hex of `source[start, end)` (an OTLP id as Haystack text). */
  hexField(field: number, source: Uint8Array, start: number, end: number): this {
    const n = (end - start) * 2;
    this.tag(field, WIRE_LEN).uint32(n);
    this.room(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = start; i < end; i++) {
      const byte = source[i] as number;
      buf[p++] = HEX[byte >>> 4] as number;
      buf[p++] = HEX[byte & 15] as number;
    }
    this.pos = p;
    return this;
  }

  /** A varint field. */
  varintField(field: number, value: number): this {
    return this.tag(field, WIRE_VARINT).uint32(value);
  }

  /** A fixed64 field. */
  fixed64Field(field: number, lo: number, hi: number): this {
    return this.tag(field, WIRE_FIXED64).fixed64(lo, hi);
  }

  /** Starts a nested message in field `field`; close it with {@link join}. */
  fork(field: number): this {
    this.tag(field, WIRE_LEN);
    this.room(1);
    this.forks.push(this.pos);
    this.pos += 1;
    return this;
  }

  /** Ends the innermost {@link fork}, writing its length. */
  join(): this {
    const at = this.forks.pop() as number;
    const length = this.pos - at - 1;
    if (length < 0x80) {
      this.buf[at] = length;
      return this;
    }
    const size = varintSize(length);
    this.room(size - 1);
    this.buf.copyWithin(at + size, at + 1, this.pos);
    this.pos += size - 1;
    let v = length;
    let p = at;
    while (v >= 0x80) {
      this.buf[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[p] = v;
    return this;
  }
}

const HEX = Buffer.from('0123456789abcdef', 'latin1');

/** An unsigned 32-bit varint at `pos` (room checked by the caller); returns the position after it. */
function writeVarint32(buf: Buffer, pos: number, value: number): number {
  let p = pos;
  let v = value >>> 0;
  while (v >= 0x80) {
    buf[p++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[p++] = v;
  return p;
}

/**
 * Copies `source[start, end)` to `buf` at `pos` (room checked by the caller). Short ranges, most
 * names, keys and values of a span, byte by byte: a native copy costs ~60 ns before its first byte.
 */
function copyInto(
  buf: Buffer,
  pos: number,
  source: Uint8Array,
  start: number,
  end: number,
): number {
  const n = end - start;
  if (n > 32) {
    buf.set(source.subarray(start, end), pos);
    return pos + n;
  }
  let p = pos;
  for (let i = start; i < end; i++) buf[p++] = source[i] as number;
  return p;
}

/** Bytes a varint of this unsigned 32-bit value takes. */
export function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}
