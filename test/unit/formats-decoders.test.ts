import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRecord, INPUT_FORMATS } from '../../lambda/formats/decoders.js';
import { expectedSpans, vector } from '../helpers/vectors.js';
import { verified } from '../helpers/verdicts.js';

describe('decodeRecord', () => {
  it('reads the same spans from a plain and a compressed record, whatever the format', () => {
    const [first, second] = expectedSpans('otlp-request.expected.bin');
    const expected = {
      ok: true,
      spans: [
        { ok: true, bytes: first },
        { ok: true, bytes: second },
        { ok: false, reason: 'invalid-otlp-span' },
      ],
    };

    expect(verified(decodeRecord(vector('otlp-request.bin'), 'otlp-proto', 1 << 20))).toEqual(
      expected,
    );
    expect(
      verified(decodeRecord(vector('otlp-request.bin.flushed.gz'), 'otlp-proto', 1 << 20)),
    ).toEqual(expected);
    expect(
      verified(decodeRecord(zlib.gzipSync(vector('otlp-request.json')), 'otlp-json', 1 << 20)),
    ).toEqual(expected);
  });

  it('passes a plain haystack-span record on as the same buffer', () => {
    const bytes = vector('span-full.bin');

    const decoded = decodeRecord(bytes, 'haystack-span', 1 << 20);

    expect(decoded.ok && decoded.spans[0]?.ok && decoded.spans[0].bytes).toBe(bytes);
  });

  it.each(INPUT_FORMATS)('refuses a zip bomb in %s before decoding', (format) => {
    const bomb = zlib.gzipSync(Buffer.alloc(8 << 20));

    expect(decodeRecord(bomb, format, 1 << 20)).toEqual({
      ok: false,
      reason: 'decompressed-too-large',
    });
  });

  it.each(INPUT_FORMATS)('never throws on arbitrary bytes in %s', (format) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const decoded = decodeRecord(Buffer.from(bytes), format, 1 << 20);
        expect(typeof decoded.ok).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });
});
