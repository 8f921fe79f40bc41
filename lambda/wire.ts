/**
 * Just enough of the protobuf wire format to walk a message without building objects.
 *
 * Every reader takes `(buf, pos, end)` and returns the position after what it read, or -1 when
 * the bytes are truncated or malformed. Nothing here allocates memory in proportion to a length
 * read from the input: lengths are checked against the bytes actually present and only used to
 * move the position.
 */

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;

/** Java protobuf's default recursion limit; only nested groups of unknown fields can reach it. */
const MAX_GROUP_DEPTH = 100;

/** The last varint read: low and high 32 bits, unsigned. Scratch state keeps the hot path free of allocations. */
export const varint = { lo: 0, hi: 0 };

/** Reads a varint of up to 10 bytes into `varint`. */
export function readVarint(buf: Uint8Array, pos: number, end: number): number {
  // One byte: every tag and most lengths of a span. Kept tiny so V8 inlines it.
  const first = pos < end ? (buf[pos] as number) : 0x80;
  if (first < 0x80) {
    varint.lo = first;
    varint.hi = 0;
    return pos + 1;
  }
  return readLongVarint(buf, pos, end);
}

function readLongVarint(buf: Uint8Array, pos: number, end: number): number {
  let lo = 0;
  let hi = 0;
  let b = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    if (pos >= end) return -1;
    b = buf[pos++] as number;
    lo |= (b & 0x7f) << shift;
    if (b < 0x80) return done(pos, lo, 0);
  }
  if (pos >= end) return -1;
  b = buf[pos++] as number;
  lo |= (b & 0x0f) << 28;
  hi = (b & 0x70) >>> 4;
  if (b < 0x80) return done(pos, lo, hi);
  for (let shift = 3; shift < 38; shift += 7) {
    if (pos >= end) return -1;
    b = buf[pos++] as number;
    hi |= (b & 0x7f) << shift;
    if (b < 0x80) return done(pos, lo, hi);
  }
  return -1; // an eleventh byte: no valid varint is that long
}

function done(pos: number, lo: number, hi: number): number {
  varint.lo = lo >>> 0;
  varint.hi = hi >>> 0;
  return pos;
}

/**
 * Reads the length prefix of a length-delimited field; the length is left in `varint.lo`.
 * Fails when the length is negative as an int32 (as Java rejects it) or runs past `end`.
 */
export function readLength(buf: Uint8Array, pos: number, end: number): number {
  const next = readVarint(buf, pos, end);
  if (next < 0 || varint.hi !== 0 || varint.lo > end - next) return -1;
  return next;
}

/** True when the 64-bit value in `varint` is negative as a signed int64. */
export function varintIsNegative(): boolean {
  return (varint.hi & 0x80000000) !== 0;
}

/** The 64-bit value in `varint` as a double: exact below 2^53, which is all a comparison here needs. */
export function varintAsNumber(): number {
  return varint.hi * 4294967296 + varint.lo;
}

/**
 * Skips one field whose tag (already read) had wire type `wireType` and field number `field`.
 * Groups are skipped to their matching end tag, as Java does for unknown fields.
 */
export function skipField(
  buf: Uint8Array,
  pos: number,
  end: number,
  field: number,
  wireType: number,
  depth = 0,
): number {
  switch (wireType) {
    case WIRE_VARINT:
      return readVarint(buf, pos, end);
    case WIRE_FIXED64:
      return pos + 8 <= end ? pos + 8 : -1;
    case WIRE_LEN: {
      const at = readLength(buf, pos, end);
      return at < 0 ? -1 : at + varint.lo;
    }
    case WIRE_FIXED32:
      return pos + 4 <= end ? pos + 4 : -1;
    case WIRE_START_GROUP:
      return depth < MAX_GROUP_DEPTH ? skipGroup(buf, pos, end, field, depth + 1) : -1;
    default:
      return -1; // an end-group outside a group, or wire types 6 and 7, which do not exist
  }
}

function skipGroup(
  buf: Uint8Array,
  pos: number,
  end: number,
  field: number,
  depth: number,
): number {
  while (pos < end) {
    pos = readVarint(buf, pos, end);
    if (pos < 0) return -1;
    const tag = varint.lo;
    const wireType = tag & 7;
    const inner = tag >>> 3;
    if (inner === 0) return -1;
    if (wireType === WIRE_END_GROUP) return inner === field ? pos : -1;
    pos = skipField(buf, pos, end, inner, wireType, depth);
    if (pos < 0) return -1;
  }
  return -1; // no end-group tag before the end
}
