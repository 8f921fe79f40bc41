import * as zlib from 'node:zlib';

/**
 * Compressed user records: gzip and zlib, recognised by their magic bytes whatever the format
 * inside, inflated with a hard limit on the output.
 *
 * The OpenTelemetry Collector's Kinesis exporter compresses each record (`encoding.compression`:
 * gzip, zlib or flate) with Go's writers and calls `Flush`, never `Close`: its streams end at a
 * sync-flush point (the empty stored block `00 00 FF FF`) with no final block and no trailer
 * (no CRC-32 / Adler-32). Such a stream is accepted; a stream cut anywhere else is refused,
 * and a complete stream has its trailer checked. Raw deflate (`flate`) has no magic bytes and
 * cannot be told from other bytes, so it is not supported.
 *
 * A record that inflates past the limit is refused, never expanded: node:zlib stops at
 * `maxOutputLength` (one 16 KiB chunk past it at most), so a zip bomb costs the limit in
 * memory, not its claimed size.
 */

/** Why a compressed record could not be read. */
export type CompressionRejection =
  /** gzip/zlib magic bytes, but the stream is corrupt (bad header, bad block, bad checksum). */
  | 'bad-compression'
  /** The record inflates to more than the limit (`MAX_DECOMPRESSED_BYTES`). */
  | 'decompressed-too-large';

/** The record's bytes ready for its format's decoder, or why they cannot be had. */
export type Inflated = { ok: true; bytes: Buffer } | { ok: false; reason: CompressionRejection };

/** Which compression the magic bytes announce. */
export type CompressionKind = 'gzip' | 'zlib' | 'none';

const GZIP_ID1 = 0x1f;
const GZIP_ID2 = 0x8b;
/** zlib CMF for deflate with a 32 KiB window: the only one zlib writers use. */
const ZLIB_CMF = 0x78;
/** FLG bytes of the four compression levels zlib writers announce (fastest to best). */
const ZLIB_FLGS = new Set([0x01, 0x5e, 0x9c, 0xda]);

/**
 * Tells gzip (`1F 8B`) and zlib (`78` then `01`, `5E`, `9C` or `DA`, the header checksum
 * `(CMF * 256 + FLG) % 31 === 0` holding) from anything else. `1F 8B` cannot start protobuf
 * (wire type 7 does not exist) nor JSON. `78` is the tag of a field 15 varint, which is not in
 * Haystack's IDL but which a proto3 parser skips as unknown: such a record is recognised as
 * plain when it does not inflate (lambda/decoding.ts).
 */
export function compressionOf(bytes: Uint8Array): CompressionKind {
  if (bytes.length < 2) return 'none';
  const first = bytes[0] as number;
  const second = bytes[1] as number;
  if (first === GZIP_ID1 && second === GZIP_ID2) return 'gzip';
  if (first === ZLIB_CMF && ZLIB_FLGS.has(second) && (first * 256 + second) % 31 === 0) {
    return 'zlib';
  }
  return 'none';
}

/**
 * Inflates a gzip or zlib record to at most `maxBytes` bytes; a plain record is returned as is
 * (the same buffer, not a copy). Never throws.
 */
export function inflateRecord(bytes: Buffer, maxBytes: number): Inflated {
  const kind = compressionOf(bytes);
  if (kind === 'none') return { ok: true, bytes };
  let result = inflate(kind, bytes, { maxOutputLength: maxBytes });
  if (result === 'truncated' && endsAtSyncFlush(bytes)) {
    result = inflate(kind, bytes, {
      maxOutputLength: maxBytes,
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
    });
  }
  if (result instanceof Buffer) return { ok: true, bytes: result };
  return {
    ok: false,
    reason: result === 'too-large' ? 'decompressed-too-large' : 'bad-compression',
  };
}

function inflate(
  kind: 'gzip' | 'zlib',
  bytes: Buffer,
  options: zlib.ZlibOptions,
): Buffer | 'too-large' | 'truncated' | 'corrupt' {
  try {
    return kind === 'gzip' ? zlib.gunzipSync(bytes, options) : zlib.inflateSync(bytes, options);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') return 'too-large';
    // zlib's "unexpected end of file": the input stopped before the stream's end.
    return code === 'Z_BUF_ERROR' ? 'truncated' : 'corrupt';
  }
}

/** The marker a sync flush writes last: an empty stored block, `00 00 FF FF`. */
function endsAtSyncFlush(bytes: Buffer): boolean {
  const n = bytes.length;
  return (
    n >= 4 &&
    bytes[n - 4] === 0x00 &&
    bytes[n - 3] === 0x00 &&
    bytes[n - 2] === 0xff &&
    bytes[n - 1] === 0xff
  );
}
