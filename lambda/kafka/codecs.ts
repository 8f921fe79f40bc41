import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import type { Compression } from '../config.js';

/**
 * Compression codecs for kafkajs, which ships GZIP only. Each codec writes what Kafka's Java
 * client writes, because the broker decompresses and validates every compressed batch it
 * accepts and Java consumers must read what we produce:
 *
 * - snappy: xerial `SnappyOutputStream` framing around raw snappy blocks (snappyjs);
 * - lz4: the LZ4 frame of Kafka's `Lz4BlockOutputStream` around lz4js' block compressor;
 * - zstd: a standard zstd frame from `node:zlib` (Node.js 22.15 and later).
 *
 * Decompression is only used to read batches back (tests, tools); it accepts what the Java
 * client and the usual alternatives write, and refuses to expand past
 * {@link MAX_DECOMPRESSED_BYTES}.
 */

/** Most bytes one batch may decompress to: far above a real batch (1 MB by default), far below memory. */
export const MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

/** A batch would decompress to more than the limit: corrupt, or a decompression bomb. */
export class DecompressionLimitError extends Error {
  constructor(codec: string, limit: number) {
    super(`${codec}: batch decompresses to more than ${limit} bytes; refusing it`);
    this.name = 'DecompressionLimitError';
  }
}

/** The codec object kafkajs expects from a `CompressionCodecs` factory. */
export interface KafkaCodec {
  /** Compresses the records kafkajs encoded (`encoder.buffer`). */
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  /** Decompresses a batch's records; refuses to expand past the codec's limit. */
  decompress(buffer: Buffer): Promise<Buffer>;
}

/**
 * Registers the Snappy, LZ4 and (where `node:zlib` has it) ZSTD codecs in kafkajs'
 * `CompressionCodecs`; GZIP is kafkajs' own. Idempotent: it stores the same factories again.
 * Loads nothing: each codec's library is loaded when a batch first uses it.
 */
export function registerCodecs(): void {
  // kafkajs calls the factory with no argument for each batch: the default limit applies.
  CompressionCodecs[CompressionTypes.Snappy] = snappyCodec;
  CompressionCodecs[CompressionTypes.LZ4] = lz4Codec;
  if (zstdFunctions()) CompressionCodecs[CompressionTypes.ZSTD] = zstdCodec;
}

/** kafkajs' enum value for a configured compression. */
export function kafkajsCompression(c: Compression): CompressionTypes {
  switch (c) {
    case 'none':
      return CompressionTypes.None;
    case 'gzip':
      return CompressionTypes.GZIP;
    case 'snappy':
      return CompressionTypes.Snappy;
    case 'lz4':
      return CompressionTypes.LZ4;
    case 'zstd':
      return CompressionTypes.ZSTD;
  }
}

/** Keeps a running total of decompressed bytes and refuses to pass `limit`. */
class Output {
  readonly parts: Buffer[] = [];
  total = 0;
  constructor(
    private readonly codec: string,
    readonly limit: number,
  ) {}

  /** Bytes that may still be added. */
  get room(): number {
    return this.limit - this.total;
  }

  /** Throws unless `size` more bytes fit: call before allocating them. */
  reserve(size: number): void {
    if (size > this.room) throw new DecompressionLimitError(this.codec, this.limit);
  }

  push(part: Buffer): void {
    this.reserve(part.length);
    this.parts.push(part);
    this.total += part.length;
  }

  concat(): Buffer {
    return Buffer.concat(this.parts, this.total);
  }
}

/** Throws unless `buf` holds `size` bytes from `at`: a clear message instead of a RangeError. */
function need(codec: string, buf: Buffer, at: number, size: number): void {
  if (at + size > buf.length) throw new Error(`${codec}: truncated input at byte ${at}`);
}

// ---------------------------------------------------------------------------------------------
// Snappy
// ---------------------------------------------------------------------------------------------

/** The parts of snappyjs we use (it ships no types). Raw snappy blocks, no framing. */
interface Snappyjs {
  compress(input: Buffer): Buffer;
  uncompress(input: Buffer, maxLength?: number): Buffer;
}

let snappyjs: Promise<Snappyjs> | undefined;

/** Loads snappyjs on first use only. */
function loadSnappy(): Promise<Snappyjs> {
  // @ts-expect-error snappyjs ships no type declarations; Snappyjs types the part we use.
  snappyjs ??= import('snappyjs').then((m: { default: Snappyjs }) => m.default);
  return snappyjs;
}

/** xerial's stream magic `\x82SNAPPY\0`; the header adds version 1 and compatible version 1 (int32 BE). */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER = Buffer.concat([XERIAL_MAGIC, Buffer.from([0, 0, 0, 1, 0, 0, 0, 1])]);
/** Input bytes per xerial chunk: `SnappyOutputStream`'s default block size. */
const XERIAL_BLOCK = 32 * 1024;

/** Snappy as Kafka's Java client writes it; reads xerial framing and raw snappy. */
export function snappyCodec(maxOutputBytes = MAX_DECOMPRESSED_BYTES): KafkaCodec {
  return {
    compress: async (encoder) => xerialFrame(await loadSnappy(), encoder.buffer),
    decompress: async (buffer) => {
      const snappy = await loadSnappy();
      const out = new Output('snappy', maxOutputBytes);
      if (isXerialHeader(buffer, 0)) readXerialChunks(snappy, buffer, out);
      else out.push(snappyBlock(snappy, buffer, out));
      return out.concat();
    },
  };
}

/**
 * The xerial framing: Java's `SnappyInputStream` (the broker's and consumers' reader) expects
 * the header, then `[int32 BE length][raw snappy block]` per 32 KiB of input.
 */
function xerialFrame(snappy: Snappyjs, input: Buffer): Buffer {
  const parts: Buffer[] = [XERIAL_HEADER];
  for (let at = 0; at < input.length; at += XERIAL_BLOCK) {
    const block = snappy.compress(input.subarray(at, at + XERIAL_BLOCK));
    const length = Buffer.alloc(4);
    length.writeInt32BE(block.length);
    parts.push(length, block);
  }
  return Buffer.concat(parts);
}

function isXerialHeader(buf: Buffer, at: number): boolean {
  return buf.length >= at + XERIAL_HEADER.length && buf.subarray(at, at + 8).equals(XERIAL_MAGIC);
}

/** Reads xerial chunks; a header may appear again mid-stream (concatenated streams, as xerial allows). */
function readXerialChunks(snappy: Snappyjs, input: Buffer, out: Output): void {
  let at = 0;
  while (at < input.length) {
    if (isXerialHeader(input, at)) {
      at += XERIAL_HEADER.length;
      continue;
    }
    need('snappy', input, at, 4);
    const length = input.readUInt32BE(at);
    need('snappy', input, at + 4, length);
    out.push(snappyBlock(snappy, input.subarray(at + 4, at + 4 + length), out));
    at += 4 + length;
  }
}

/** Decompresses one raw snappy block, checking its stated length before allocating for it. */
function snappyBlock(snappy: Snappyjs, block: Buffer, out: Output): Buffer {
  out.reserve(snappyLength(block));
  return snappy.uncompress(block);
}

/** The uncompressed length a raw snappy block starts with (little-endian base-128 varint). */
function snappyLength(block: Buffer): number {
  let length = 0;
  for (let i = 0; i < 5 && i < block.length; i++) {
    const byte = block.readUInt8(i);
    length += (byte & 0x7f) * 2 ** (7 * i);
    if (byte < 0x80) return length;
  }
  throw new Error('snappy: invalid block length header');
}

// ---------------------------------------------------------------------------------------------
// LZ4
// ---------------------------------------------------------------------------------------------

/** The parts of lz4js we use (it ships no types). */
interface Lz4js {
  compressBound(size: number): number;
  /** Compresses `src[at, at + size)` into `dst` from 0; 0 when it found no match at all. */
  compressBlock(
    src: Uint8Array,
    dst: Uint8Array,
    at: number,
    size: number,
    table: Uint32Array,
  ): number;
  /** Decodes `src[at, at + size)` into `dst` from `dstAt`; returns the end (may pass `dst.length`). */
  decompressBlock(
    src: Uint8Array,
    dst: Uint8Array,
    at: number,
    size: number,
    dstAt: number,
  ): number;
}
interface Lz4 {
  block: Lz4js;
  xxh32(seed: number, src: Uint8Array, at: number, size: number): number;
}

let lz4js: Promise<Lz4> | undefined;

/** Loads lz4js on first use only: it allocates 5.5 MB of buffers when loaded. */
function loadLz4(): Promise<Lz4> {
  lz4js ??= Promise.all([
    // @ts-expect-error lz4js ships no type declarations; Lz4js types the part we use.
    import('lz4js').then((m: { default: Lz4js }) => m.default),
    // @ts-expect-error as above.
    import('lz4js/xxh32.js').then((m: { default: { hash: Lz4['xxh32'] } }) => m.default.hash),
  ]).then(([block, xxh32]) => ({ block, xxh32 }));
  return lz4js;
}

const LZ4_MAGIC = 0x184d2204;
/** FLG: version 01, independent blocks; no checksums or content size (as Kafka's Java writer). */
const LZ4_FLG = 0x60;
/** BD: 64 KiB maximum block size, Kafka's default (`Lz4BlockOutputStream.BLOCKSIZE_64KB`). */
const LZ4_BD = 0x40;
const LZ4_BLOCK = 64 * 1024;
/** Block size field bit for a block stored uncompressed. */
const LZ4_RAW = 0x80000000;
/** Maximum block size by BD's 3-bit code (4: 64 KiB ... 7: 4 MiB). */
const LZ4_BLOCK_SIZES: Record<number, number> = { 4: 1 << 16, 5: 1 << 18, 6: 1 << 20, 7: 1 << 22 };
/** The LZ4 block format: the last match starts 12 bytes or more before the block ends. */
const LZ4_MFLIMIT = 12;

/** LZ4 frames as Kafka's Java client writes them; reads any independent-block frame. */
export function lz4Codec(maxOutputBytes = MAX_DECOMPRESSED_BYTES): KafkaCodec {
  return {
    compress: async (encoder) => lz4Frame(await loadLz4(), encoder.buffer),
    decompress: async (buffer) => readLz4Frame(await loadLz4(), buffer, maxOutputBytes),
  };
}

/**
 * Writes the frame ourselves: lz4js' own `compress()` writes 4 MiB blocks that depend on each
 * other without saying so, which Kafka's reader refuses. Each block is compressed alone.
 */
function lz4Frame(lz4: Lz4, input: Buffer): Buffer {
  const header = Buffer.from([0x04, 0x22, 0x4d, 0x18, LZ4_FLG, LZ4_BD, 0]);
  header[6] = (lz4.xxh32(0, header, 4, 2) >>> 8) & 0xff;
  const parts: Buffer[] = [header];
  const scratch = Buffer.alloc(lz4.block.compressBound(LZ4_BLOCK) + 8);
  const table = new Uint32Array(1 << 16);
  for (let at = 0; at < input.length; at += LZ4_BLOCK) {
    const block = input.subarray(at, at + LZ4_BLOCK);
    const size = compressLz4Block(lz4.block, block, scratch, table);
    const length = Buffer.alloc(4);
    length.writeUInt32LE(size > 0 ? size : (LZ4_RAW | block.length) >>> 0);
    parts.push(length, size > 0 ? Buffer.from(scratch.subarray(0, size)) : block);
  }
  parts.push(Buffer.alloc(4)); // end mark
  return Buffer.concat(parts);
}

/**
 * Compresses one block into `out`; returns its size, or 0 to store the block raw (it did not
 * shrink). lz4js lets the last match start 10 bytes before the block end, which breaks the
 * format's 12-byte rule, and lz4-java's native decoder (Kafka's) rejects such a full 64 KiB
 * block. So lz4js compresses all but the last 2 bytes, which moves its limit to 12, and
 * those 2 bytes join the block's final literals.
 */
function compressLz4Block(lz4: Lz4js, block: Buffer, out: Buffer, table: Uint32Array): number {
  const head = block.length - 2;
  if (head <= LZ4_MFLIMIT) return 0; // too short for any match
  table.fill(0); // positions are block-relative: forget the previous block's
  const size = lz4.compressBlock(block, out, 0, head, table);
  if (size === 0) return 0;
  const last = finalLiterals(out, size);
  const end = writeLiterals(out, last.token, block.subarray(last.from));
  return end < block.length ? end : 0;
}

/** Where a block's final, literals-only sequence is: its token's offset, and the input offset of its literals. */
function finalLiterals(block: Buffer, size: number): { token: number; from: number } {
  let at = 0;
  let decoded = 0;
  for (;;) {
    const token = block.readUInt8(at);
    const literals = readLength(block, at + 1, token >> 4);
    const matchAt = literals.next + literals.length;
    if (matchAt >= size) return { token: at, from: decoded };
    const match = readLength(block, matchAt + 2, token & 0x0f); // after the 2-byte offset
    decoded += literals.length + match.length + 4; // + the minimum match length
    at = match.next;
  }
}

/** Reads a 4-bit length and its 255-continued extension bytes. */
function readLength(block: Buffer, at: number, nibble: number): { length: number; next: number } {
  let length = nibble;
  let next = at;
  if (nibble === 15) {
    let byte: number;
    do {
      byte = block.readUInt8(next++);
      length += byte;
    } while (byte === 255);
  }
  return { length, next };
}

/** Writes a literals-only sequence at `at`; returns where it ends. */
function writeLiterals(out: Buffer, at: number, literals: Buffer): number {
  let end = at;
  out[end++] = Math.min(literals.length, 15) << 4;
  if (literals.length >= 15) {
    let rest = literals.length - 15;
    for (; rest >= 255; rest -= 255) out[end++] = 255;
    out[end++] = rest;
  }
  literals.copy(out, end);
  return end + literals.length;
}

/** What the frame descriptor announces. */
interface Lz4Descriptor {
  maxBlock: number;
  blockChecksums: boolean;
  contentChecksum: boolean;
  contentSize?: number;
  /** Offset of the first block. */
  end: number;
}

/**
 * Reads one LZ4 frame: 64 KiB to 4 MiB blocks, optional content size, block and content
 * checksums (verified). Bytes after the end mark are ignored, as Kafka's reader does.
 */
function readLz4Frame(lz4: Lz4, input: Buffer, limit: number): Buffer {
  const frame = readLz4Descriptor(lz4, input);
  const out = new Output('lz4', limit);
  const scratch = Buffer.alloc(Math.min(frame.maxBlock, limit));
  let at = frame.end;
  for (;;) {
    need('lz4', input, at, 4);
    const word = input.readUInt32LE(at);
    if (word === 0) break;
    const size = word & ~LZ4_RAW;
    if (size > frame.maxBlock) {
      throw new Error(`lz4: block of ${size} bytes exceeds the frame's maximum`);
    }
    need('lz4', input, at + 4, size + (frame.blockChecksums ? 4 : 0));
    const data = input.subarray(at + 4, at + 4 + size);
    if (frame.blockChecksums) checkXxh32(lz4, data, input.readUInt32LE(at + 4 + size), 'block');
    out.push(word & LZ4_RAW ? data : decodeLz4Block(lz4.block, data, scratch, out));
    at += 4 + size + (frame.blockChecksums ? 4 : 0);
  }
  const result = out.concat();
  if (frame.contentSize !== undefined && frame.contentSize !== result.length) {
    throw new Error(`lz4: frame announced ${frame.contentSize} bytes but holds ${result.length}`);
  }
  if (frame.contentChecksum) {
    need('lz4', input, at + 4, 4);
    checkXxh32(lz4, result, input.readUInt32LE(at + 4), 'content');
  }
  return result;
}

function readLz4Descriptor(lz4: Lz4, input: Buffer): Lz4Descriptor {
  need('lz4', input, 0, 7);
  if (input.readUInt32LE(0) !== LZ4_MAGIC) throw new Error('lz4: not an LZ4 frame (bad magic)');
  const flg = input.readUInt8(4);
  if ((flg & 0xc0) !== 0x40) throw new Error(`lz4: unsupported frame version in FLG ${flg}`);
  // Kafka's Java reader refuses dependent blocks too; no Kafka client writes them.
  if ((flg & 0x20) === 0) throw new Error('lz4: frames with dependent blocks are not supported');
  if (flg & 0x01) throw new Error('lz4: frames with a dictionary id are not supported');
  const maxBlock = LZ4_BLOCK_SIZES[(input.readUInt8(5) >> 4) & 0x07];
  if (maxBlock === undefined) throw new Error(`lz4: invalid block size code in BD ${input[5]}`);
  const hasSize = (flg & 0x08) !== 0;
  const end = 6 + (hasSize ? 8 : 0);
  need('lz4', input, end, 1);
  const checksum = (lz4.xxh32(0, input, 4, end - 4) >>> 8) & 0xff;
  if (checksum !== input.readUInt8(end)) throw new Error('lz4: frame header checksum mismatch');
  return {
    maxBlock,
    blockChecksums: (flg & 0x10) !== 0,
    contentChecksum: (flg & 0x04) !== 0,
    ...(hasSize ? { contentSize: Number(input.readBigUInt64LE(6)) } : {}),
    end: end + 1,
  };
}

/**
 * Decodes one compressed block. lz4js writes past `scratch` nowhere (typed arrays drop such
 * writes) but reports the size it reached, which must fit the block maximum and our limit.
 */
function decodeLz4Block(lz4: Lz4js, data: Buffer, scratch: Buffer, out: Output): Buffer {
  const size = lz4.decompressBlock(data, scratch, 0, data.length, 0);
  out.reserve(size);
  if (size > scratch.length) throw new Error('lz4: block decodes past the maximum block size');
  return Buffer.from(scratch.subarray(0, size));
}

function checkXxh32(lz4: Lz4, data: Buffer, expected: number, what: string): void {
  if (lz4.xxh32(0, data, 0, data.length) !== expected) {
    throw new Error(`lz4: ${what} checksum mismatch`);
  }
}

// ---------------------------------------------------------------------------------------------
// ZSTD
// ---------------------------------------------------------------------------------------------

type ZstdFunction = (
  input: Buffer,
  options: { maxOutputLength?: number },
  callback: (error: Error | null, output: Buffer) => void,
) => void;

/** `node:zlib`'s zstd functions (Node.js 22.15+; @types/node 20 does not declare them). */
function zstdFunctions(): { compress: ZstdFunction; decompress: ZstdFunction } | undefined {
  const z = zlib as unknown as { zstdCompress?: ZstdFunction; zstdDecompress?: ZstdFunction };
  if (typeof z.zstdCompress !== 'function' || typeof z.zstdDecompress !== 'function') return;
  return { compress: z.zstdCompress, decompress: z.zstdDecompress };
}

/** ZSTD through `node:zlib`: a standard frame, as Kafka's zstd-jni writes and reads. */
export function zstdCodec(maxOutputBytes = MAX_DECOMPRESSED_BYTES): KafkaCodec {
  const zstd = zstdFunctions();
  if (!zstd) throw new Error(`zstd needs Node.js 22.15 or later; this is ${process.version}`);
  const compress = promisify(zstd.compress);
  const decompress = promisify(zstd.decompress);
  return {
    compress: (encoder) => compress(encoder.buffer, {}),
    decompress: async (buffer) => {
      try {
        // zlib stops at maxOutputLength: a bomb never gets more memory than that.
        return await decompress(buffer, { maxOutputLength: maxOutputBytes });
      } catch (error) {
        if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
          throw new DecompressionLimitError('zstd', maxOutputBytes);
        }
        throw error;
      }
    },
  };
}
