import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import * as zlib from 'node:zlib';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import {
  DecompressionLimitError,
  type KafkaCodec,
  kafkajsCompression,
  lz4Codec,
  MAX_DECOMPRESSED_BYTES,
  registerCodecs,
  snappyCodec,
  zstdCodec,
} from '../../lambda/kafka/codecs.js';

const require = createRequire(__filename);
const zstdAvailable = typeof (zlib as Record<string, unknown>).zstdCompress === 'function';

// Fixtures written by Kafka 3.9.2's own Java classes (Lz4BlockOutputStream, xerial
// SnappyOutputStream, Snappy.compress) and by the reference lz4 CLI 1.9.4, for SMALL_TEXT.
const SMALL_TEXT = Buffer.from('hello hello hello hello kafka');
const JAVA_LZ4 = hex('04224d186040820f0000006e68656c6c6f200600506b61666b6100000000');
const JAVA_XERIAL = hex(
  '82534e41505059000000000100000001000000111d1468656c6c6f20460600106b61666b61',
);
const JAVA_RAW_SNAPPY = hex('1d1468656c6c6f20460600106b61666b61');
const TRACE_TEXT = Buffer.from(
  'trace-id=4bf92f35 service=checkout trace-id=4bf92f35 service=payments trace-id=4bf92f35',
);
/** `lz4 -BX --content-size`: content size, block checksums and the content checksum 0x530321df. */
const CLI_LZ4_ALL_FLAGS = hex(
  '04224d187c405700000000000000a939000000ff1474726163652d69643d346266393266333520736572766963' +
    '653d636865636b6f757420230007897061796d656e74732300503932663335283cf6e000000000df210353',
);

describe('loading', () => {
  // First in the file: nothing below may have used lz4 yet.
  it('does not load lz4js (5.5 MB of buffers) until lz4 is used', async () => {
    const lz4js = require.resolve('lz4js');
    registerCodecs();
    await snappyCodec().compress({ buffer: SMALL_TEXT });
    expect(require.cache[lz4js]).toBeUndefined();
    await lz4Codec().compress({ buffer: SMALL_TEXT });
    expect(require.cache[lz4js]).toBeDefined();
  });
});

describe('registerCodecs', () => {
  it('registers Snappy and LZ4 (and ZSTD where node:zlib has it), idempotently', async () => {
    registerCodecs();
    registerCodecs();
    const factories = [
      CompressionCodecs[CompressionTypes.Snappy],
      CompressionCodecs[CompressionTypes.LZ4],
    ];
    for (const factory of factories) {
      const codec = factory() as KafkaCodec;
      const packed = await codec.compress({ buffer: SMALL_TEXT });
      expect(await codec.decompress(packed)).toEqual(SMALL_TEXT);
    }
    const zstd = () => CompressionCodecs[CompressionTypes.ZSTD]();
    if (zstdAvailable) expect(zstd()).toHaveProperty('decompress');
    else expect(zstd).toThrow(/ZSTD compression not implemented/);
  });

  it('maps each configured compression to kafkajs', () => {
    expect(kafkajsCompression('none')).toBe(CompressionTypes.None);
    expect(kafkajsCompression('gzip')).toBe(CompressionTypes.GZIP);
    expect(kafkajsCompression('snappy')).toBe(CompressionTypes.Snappy);
    expect(kafkajsCompression('lz4')).toBe(CompressionTypes.LZ4);
    expect(kafkajsCompression('zstd')).toBe(CompressionTypes.ZSTD);
  });
});

const INPUTS: Array<[string, () => Buffer]> = [
  ['empty', () => Buffer.alloc(0)],
  ['one byte', () => Buffer.from('x')],
  ['small', () => SMALL_TEXT],
  ['incompressible random (300 KB)', () => randomBytes(300_000)],
  ['large spans (5 MB)', () => spanText(5 * 1024 * 1024)],
  ['zeros (3 MB)', () => Buffer.alloc(3 * 1024 * 1024)],
];

const CODECS: Array<[string, () => KafkaCodec]> = [
  ['snappy', () => snappyCodec()],
  ['lz4', () => lz4Codec()],
  ...(zstdAvailable ? [['zstd', () => zstdCodec()] as [string, () => KafkaCodec]] : []),
];

describe.each(CODECS)('%s round trip', (_name, codec) => {
  it.each(INPUTS)('%s', async (_input, make) => {
    const input = make();
    const packed = await codec().compress({ buffer: input });
    expect((await codec().decompress(packed)).equals(input)).toBe(true);
  });
});

describe('snappy', () => {
  it('writes the xerial header, then [int32 BE length][raw block] per 32 KiB of input', async () => {
    const input = spanText(100_000);
    const packed = await snappyCodec().compress({ buffer: input });
    expect(packed.subarray(0, 16)).toEqual(hex('82534e41505059000000000100000001'));
    const blocks = xerialBlocks(packed.subarray(16));
    // Each block is raw snappy on its own, led by its uncompressed length.
    expect(blocks.map(snappyLength)).toEqual([32768, 32768, 32768, 100_000 - 3 * 32768]);
  });

  it('writes what Java writes for a small input', async () => {
    expect(await snappyCodec().compress({ buffer: SMALL_TEXT })).toEqual(JAVA_XERIAL);
  });

  it('reads xerial streams and raw snappy as Java writes them', async () => {
    expect(await snappyCodec().decompress(JAVA_XERIAL)).toEqual(SMALL_TEXT);
    expect(await snappyCodec().decompress(JAVA_RAW_SNAPPY)).toEqual(SMALL_TEXT);
  });

  it('reads concatenated xerial streams', async () => {
    const twice = Buffer.concat([JAVA_XERIAL, JAVA_XERIAL]);
    expect(await snappyCodec().decompress(twice)).toEqual(Buffer.concat([SMALL_TEXT, SMALL_TEXT]));
  });

  it('reports truncated input clearly', async () => {
    await expect(snappyCodec().decompress(JAVA_XERIAL.subarray(0, 30))).rejects.toThrow(
      /snappy: truncated input/,
    );
  });
});

describe('lz4', () => {
  it('computes xxh32 like the reference (known vectors)', () => {
    expect(xxh32(Buffer.alloc(0))).toBe(0x02cc5d05);
    expect(xxh32(Buffer.from('abc'))).toBe(0x32d153ff);
    expect(xxh32(TRACE_TEXT)).toBe(CLI_LZ4_ALL_FLAGS.readUInt32LE(CLI_LZ4_ALL_FLAGS.length - 4));
  });

  it("writes Kafka's frame header: magic, FLG, BD 64 KiB, header checksum", async () => {
    const packed = await lz4Codec().compress({ buffer: spanText(10_000) });
    expect(packed.readUInt32LE(0)).toBe(0x184d2204);
    expect(packed[4]).toBe(0x60); // version 01, independent blocks, no checksums or size
    expect(packed[5]).toBe(0x40); // 64 KiB maximum block size
    expect(packed[6]).toBe((xxh32(hex('6040')) >>> 8) & 0xff);
    expect(packed.subarray(0, 7)).toEqual(JAVA_LZ4.subarray(0, 7)); // 0x82, as Java writes
    expect(packed.readUInt32LE(packed.length - 4)).toBe(0); // end mark
  });

  it('cuts 64 KiB blocks that decode alone and end the way the LZ4 format requires', async () => {
    const input = spanText(200_000);
    const blocks = lz4Blocks(await lz4Codec().compress({ buffer: input }));
    const decoded = blocks.map((b) => (b.raw ? b.data : decodeAlone(b.data)));
    expect(decoded.map((d) => d.length)).toEqual([65536, 65536, 65536, 200_000 - 3 * 65536]);
    expect(Buffer.concat(decoded).equals(input)).toBe(true);
    for (const [i, b] of blocks.entries()) if (!b.raw) expectValidEnding(b.data, decoded[i]);
  });

  it('keeps the last match 12 bytes from the end, where plain lz4js puts it 10 bytes away', async () => {
    // lz4js alone compresses this block to a last match 10 bytes before the end, which
    // lz4-java's native decoder (Kafka's) and the lz4 CLI reject for a full 64 KiB block.
    const input = Buffer.alloc(65536, 0);
    for (let i = 0; i < input.length; i++) input[i] = 97 + (i % 7);
    input[input.length - 11] = 48;
    const [block, ...rest] = lz4Blocks(await lz4Codec().compress({ buffer: input }));
    expect(rest).toEqual([]);
    expect(block?.raw).toBe(false);
    expectValidEnding(block?.data ?? Buffer.alloc(0), input);
  });

  it('stores incompressible blocks raw (high bit of the size)', async () => {
    const blocks = lz4Blocks(await lz4Codec().compress({ buffer: randomBytes(70_000) }));
    expect(blocks.map((b) => [b.raw, b.data.length])).toEqual([
      [true, 65536],
      [true, 70_000 - 65536],
    ]);
  });

  it('reads what Java writes', async () => {
    expect(await lz4Codec().decompress(JAVA_LZ4)).toEqual(SMALL_TEXT);
  });

  it('reads frames with content size, block checksums and content checksum, and checks them', async () => {
    expect(await lz4Codec().decompress(CLI_LZ4_ALL_FLAGS)).toEqual(TRACE_TEXT);
    const badContent = flipBit(CLI_LZ4_ALL_FLAGS, CLI_LZ4_ALL_FLAGS.length - 1);
    await expect(lz4Codec().decompress(badContent)).rejects.toThrow(/content checksum/);
    const badHeader = flipBit(CLI_LZ4_ALL_FLAGS, 6); // in the content size
    await expect(lz4Codec().decompress(badHeader)).rejects.toThrow(/header checksum/);
  });

  it('reads 4 MiB blocks with content checksum', async () => {
    const input = spanText(3_000_000);
    const block = lz4jsBlock(input);
    const frame = lz4FrameOf(0x6c, 0x70, input, [block]); // content size + checksum, BD 4 MiB
    expect((await lz4Codec().decompress(frame)).equals(input)).toBe(true);
  });

  it('refuses dependent blocks, as Java does', async () => {
    const linked = lz4FrameOf(0x40, 0x40, TRACE_TEXT, [lz4jsBlock(TRACE_TEXT)]); // FLG bit 5 clear
    await expect(lz4Codec().decompress(linked)).rejects.toThrow(/dependent blocks/);
  });

  it('refuses a block larger than the frame allows', async () => {
    const frame = lz4FrameOf(0x60, 0x40, Buffer.alloc(0), [Buffer.alloc(65537)]);
    frame.writeUInt32LE((0x80000000 | 65537) >>> 0, 7);
    await expect(lz4Codec().decompress(frame)).rejects.toThrow(/exceeds the frame's maximum/);
  });
});

// zstd comes from node:zlib (Node.js 22.15+): the Lambda runtime has it and `npm run
// test:lambda-node` runs these; on an older Node the codec must stay unregistered instead.
if (zstdAvailable) {
  describe('zstd', () => {
    it('writes a standard zstd frame', async () => {
      const packed = await zstdCodec().compress({ buffer: SMALL_TEXT });
      expect(packed.readUInt32LE(0)).toBe(0xfd2fb528);
    });

    it('stops at the limit', async () => {
      const packed = await zstdCodec().compress({ buffer: Buffer.alloc(2_000_000) });
      await expect(zstdCodec(1_000_000).decompress(packed)).rejects.toThrow(
        DecompressionLimitError,
      );
    });
  });
}

describe('decompression bomb guard', () => {
  it(`refuses more than ${MAX_DECOMPRESSED_BYTES} bytes by default (lz4)`, async () => {
    // 1025 copies of one compressed 64 KiB block of zeros: 64 MiB + 64 KiB from ~300 KB.
    const [zeros] = lz4Blocks(await lz4Codec().compress({ buffer: Buffer.alloc(65536) }));
    const data = zeros?.data ?? Buffer.alloc(0);
    const bomb = lz4FrameOf(0x60, 0x40, Buffer.alloc(0), new Array<Buffer>(1025).fill(data));
    expect(bomb.length).toBeLessThan(1_000_000);
    await expect(lz4Codec().decompress(bomb)).rejects.toThrow(DecompressionLimitError);
  });

  it('refuses a raw snappy block claiming 4 GiB before allocating anything', async () => {
    const claim = hex('ffffffff0f00');
    await expect(snappyCodec().decompress(claim)).rejects.toThrow(
      /snappy: batch decompresses to more than 67108864 bytes/,
    );
  });

  it('counts every xerial chunk against the limit', async () => {
    const packed = await snappyCodec().compress({ buffer: Buffer.alloc(100_000) });
    await expect(snappyCodec(99_999).decompress(packed)).rejects.toThrow(DecompressionLimitError);
    expect((await snappyCodec(100_000).decompress(packed)).length).toBe(100_000);
  });

  it('counts every lz4 block, raw or compressed, against the limit', async () => {
    for (const input of [Buffer.alloc(200_000), randomBytes(200_000)]) {
      const packed = await lz4Codec().compress({ buffer: input });
      await expect(lz4Codec(199_999).decompress(packed)).rejects.toThrow(DecompressionLimitError);
      expect((await lz4Codec(200_000).decompress(packed)).length).toBe(200_000);
    }
  });
});

// --- helpers ---------------------------------------------------------------------------------

function hex(text: string): Buffer {
  return Buffer.from(text, 'hex');
}

/** A copy of `buf` with the low bit of byte `at` flipped. */
function flipBit(buf: Buffer, at: number): Buffer {
  const copy = Buffer.from(buf);
  copy.writeUInt8(copy.readUInt8(at) ^ 1, at);
  return copy;
}

/** Haystack-like span text: service names, UUID trace ids, tags; deterministic. */
function spanText(size: number): Buffer {
  const services = ['checkout', 'payments', 'inventory', 'shipping', 'frontend', 'auth'];
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < size; i++) {
    const id = `${(i * 2654435761) >>> 0}`.padStart(10, '0');
    const part = `{"traceId":"${id}-77b3-4da6-a3ce-${id}","service":"${services[i % 6]}","op":"GET /v${i % 9}","tags":{"http.status":${200 + (i % 5)}}}`;
    parts.push(part);
    length += part.length;
  }
  return Buffer.from(parts.join('')).subarray(0, size);
}

/** The raw snappy blocks of a xerial stream without its header. */
function xerialBlocks(body: Buffer): Buffer[] {
  const blocks: Buffer[] = [];
  for (let at = 0; at < body.length; ) {
    const length = body.readInt32BE(at);
    blocks.push(body.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return blocks;
}

function snappyLength(block: Buffer): number {
  let length = 0;
  for (let i = 0; ; i++) {
    const byte = block.readUInt8(i);
    length += (byte & 0x7f) * 2 ** (7 * i);
    if (byte < 0x80) return length;
  }
}

/** XXH32 written from the specification, independent of lz4js. */
function xxh32(data: Buffer, seed = 0): number {
  const [p1, p2, p3, p4, p5] = [0x9e3779b1, 0x85ebca77, 0xc2b2ae3d, 0x27d4eb2f, 0x165667b1];
  const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));
  const round = (acc: number, lane: number) =>
    Math.imul(rotl((acc + Math.imul(lane, p2)) | 0, 13), p1);
  let i = 0;
  let h: number;
  if (data.length >= 16) {
    const v = [(seed + p1 + p2) | 0, (seed + p2) | 0, seed | 0, (seed - p1) | 0];
    for (; i + 16 <= data.length; i += 16) {
      for (let k = 0; k < 4; k++) v[k] = round(v[k] ?? 0, data.readUInt32LE(i + 4 * k));
    }
    const [a = 0, b = 0, c = 0, d = 0] = v;
    h = (rotl(a, 1) + rotl(b, 7) + rotl(c, 12) + rotl(d, 18)) | 0;
  } else {
    h = (seed + p5) | 0;
  }
  h = (h + data.length) | 0;
  for (; i + 4 <= data.length; i += 4) {
    h = Math.imul(rotl((h + Math.imul(data.readUInt32LE(i), p3)) | 0, 17), p4);
  }
  for (; i < data.length; i++)
    h = Math.imul(rotl((h + Math.imul(data.readUInt8(i), p5)) | 0, 11), p1);
  h = Math.imul(h ^ (h >>> 15), p2);
  h = Math.imul(h ^ (h >>> 13), p3);
  return (h ^ (h >>> 16)) >>> 0;
}

interface FrameBlock {
  raw: boolean;
  data: Buffer;
}

/** The blocks of a frame with the header Kafka writes (7 bytes, no block checksums). */
function lz4Blocks(frame: Buffer): FrameBlock[] {
  const blocks: FrameBlock[] = [];
  for (let at = 7; ; ) {
    const word = frame.readUInt32LE(at);
    if (word === 0) return blocks;
    const size = word & 0x7fffffff;
    blocks.push({ raw: word >= 0x80000000, data: frame.subarray(at + 4, at + 4 + size) });
    at += 4 + size;
  }
}

/** An LZ4 frame of compressed `blocks`, with the given FLG and BD; `content` feeds size and checksum. */
function lz4FrameOf(flg: number, bd: number, content: Buffer, blocks: Buffer[]): Buffer {
  const descriptor = [flg, bd];
  if (flg & 0x08) descriptor.push(...bigU64(content.length));
  const desc = Buffer.from(descriptor);
  const parts = [hex('04224d18'), desc, Buffer.from([(xxh32(desc) >>> 8) & 0xff])];
  for (const block of blocks) {
    const size = Buffer.alloc(4);
    size.writeUInt32LE(block.length);
    parts.push(size, block);
  }
  parts.push(Buffer.alloc(4));
  if (flg & 0x04) {
    const sum = Buffer.alloc(4);
    sum.writeUInt32LE(xxh32(content));
    parts.push(sum);
  }
  return Buffer.concat(parts);
}

function bigU64(n: number): number[] {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return [...b];
}

interface Lz4jsBlocks {
  compressBound(n: number): number;
  compressBlock(s: Uint8Array, d: Uint8Array, at: number, n: number, t: Uint32Array): number;
  decompressBlock(s: Uint8Array, d: Uint8Array, at: number, n: number, dAt: number): number;
}

function lz4js(): Lz4jsBlocks {
  return require('lz4js') as Lz4jsBlocks;
}

/** One LZ4 block of the whole input, by lz4js (a valid block away from a full 64 KiB end). */
function lz4jsBlock(input: Buffer): Buffer {
  const out = Buffer.alloc(lz4js().compressBound(input.length));
  const size = lz4js().compressBlock(input, out, 0, input.length, new Uint32Array(1 << 16));
  return out.subarray(0, size);
}

/** Decodes one block with nothing before it: fails (zeros) if it referred to another block. */
function decodeAlone(block: Buffer): Buffer {
  const out = Buffer.alloc(65536);
  return out.subarray(0, lz4js().decompressBlock(block, out, 0, block.length, 0));
}

/**
 * Walks a block's sequences: the last match must start 12 or more bytes before the end
 * and the last 5 bytes must be literals (LZ4 block format, "end of block conditions").
 */
function expectValidEnding(block: Buffer, decoded: Buffer | undefined): void {
  let at = 0;
  let out = 0;
  let lastMatch = -1;
  let lastMatchEnd = 0;
  for (;;) {
    const token = block.readUInt8(at++);
    let literals = token >> 4;
    if (literals === 15) for (let b = 255; b === 255; literals += b) b = block.readUInt8(at++);
    at += literals;
    out += literals;
    if (at >= block.length) break;
    at += 2;
    let match = token & 15;
    if (match === 15) for (let b = 255; b === 255; match += b) b = block.readUInt8(at++);
    lastMatch = out;
    out += match + 4;
    lastMatchEnd = out;
  }
  expect(out).toBe(decoded?.length);
  expect(lastMatch).toBeLessThanOrEqual(out - 12);
  expect(out - lastMatchEnd).toBeGreaterThanOrEqual(5);
}
