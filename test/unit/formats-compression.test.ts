import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compressionOf, inflateRecord } from '../../lambda/formats/compression.js';
import { vector } from '../helpers/vectors.js';

const LIMIT = 1024 * 1024;

describe('compressionOf', () => {
  it.each([
    ['gzip', [0x1f, 0x8b, 0x08], 'gzip'],
    ['zlib fastest', [0x78, 0x01], 'zlib'],
    ['zlib default', [0x78, 0x9c], 'zlib'],
    ['zlib low', [0x78, 0x5e], 'zlib'],
    ['zlib best', [0x78, 0xda], 'zlib'],
    ['zlib FLG failing the header checksum', [0x78, 0x9d], 'none'],
    ['a Haystack span (field 1, length-delimited)', [0x0a, 0x24], 'none'],
    ['JSON', [0x7b, 0x22], 'none'],
    ['one byte', [0x1f], 'none'],
    ['nothing', [], 'none'],
  ])('%s', (_, bytes, kind) => {
    expect(compressionOf(Uint8Array.from(bytes))).toBe(kind);
  });
});

describe('inflateRecord', () => {
  it('returns a plain record as the same buffer', () => {
    const plain = vector('span-full.bin');

    const result = inflateRecord(plain, LIMIT);

    expect(result).toEqual({ ok: true, bytes: plain });
    expect(result.ok && result.bytes).toBe(plain);
  });

  it.each([
    ['gzip(1)', 'span-full.bin.gz', 'span-full.bin'],
    ['Python zlib', 'batch-three.bin.zz', 'batch-three.bin'],
    ['gzip flushed, never closed (no trailer)', 'otlp-request.bin.flushed.gz', 'otlp-request.bin'],
    ['zlib flushed, never closed (no trailer)', 'otlp-request.bin.flushed.zz', 'otlp-request.bin'],
  ])('inflates %s', (_, compressed, plain) => {
    expect(inflateRecord(vector(compressed), LIMIT)).toEqual({ ok: true, bytes: vector(plain) });
  });

  it('refuses a zip bomb without expanding it past the limit', () => {
    const bomb = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024));
    const before = process.memoryUsage().arrayBuffers;

    const result = inflateRecord(bomb, LIMIT);

    expect(bomb.length).toBeLessThan(100_000);
    expect(result).toEqual({ ok: false, reason: 'decompressed-too-large' });
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024);
  });

  it('accepts a record that inflates to exactly the limit', () => {
    const data = Buffer.alloc(LIMIT, 7);

    const result = inflateRecord(zlib.deflateSync(data), LIMIT);

    expect(result.ok && result.bytes.equals(data)).toBe(true);
  });

  it.each([
    ['a corrupt deflate block', Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff])],
    ['a gzip header cut short', Buffer.from([0x1f, 0x8b, 0x08])],
    ['a zlib header then garbage', Buffer.from([0x78, 0x9c, 0xff, 0xff, 0xff, 0xff])],
  ])('refuses %s as bad-compression', (_, bytes) => {
    expect(inflateRecord(bytes, LIMIT)).toEqual({ ok: false, reason: 'bad-compression' });
  });

  it('checks the trailer when there is one', () => {
    const gz = Buffer.from(vector('span-full.bin.gz'));
    gz[gz.length - 6] = (gz[gz.length - 6] as number) ^ 0xff; // a CRC-32 byte

    expect(inflateRecord(gz, LIMIT)).toEqual({ ok: false, reason: 'bad-compression' });
  });
});

describe('inflateRecord and streams cut short', () => {
  it('refuses a stream cut anywhere but at a sync-flush point', () => {
    const flushed = vector('otlp-request.bin.flushed.gz');

    const result = inflateRecord(flushed.subarray(0, flushed.length - 10), LIMIT);

    expect(result).toEqual({ ok: false, reason: 'bad-compression' });
  });

  it('refuses a complete stream cut before its trailer', () => {
    const gz = vector('span-full.bin.gz');

    expect(inflateRecord(gz.subarray(0, gz.length - 8), LIMIT)).toEqual({
      ok: false,
      reason: 'bad-compression',
    });
  });

  it('keeps the limit for flushed streams too', () => {
    const flushed = zlib.gzipSync(Buffer.alloc(4 * LIMIT), {
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
    });

    expect(flushed.subarray(-4)).toEqual(Buffer.from([0, 0, 0xff, 0xff]));
    expect(inflateRecord(flushed, LIMIT)).toEqual({
      ok: false,
      reason: 'decompressed-too-large',
    });
  });

  it('inflates a small flushed stream of its own making too', () => {
    const data = Buffer.from('{"resourceSpans":[]}');
    const flushed = zlib.deflateSync(data, { finishFlush: zlib.constants.Z_SYNC_FLUSH });

    expect(inflateRecord(flushed, LIMIT)).toEqual({ ok: true, bytes: data });
  });
});
