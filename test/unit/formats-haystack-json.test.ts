import { describe, expect, it } from 'vitest';
import type { DecodedSpans } from '../../lambda/formats/decoded.js';
import { decodeHaystackJson } from '../../lambda/formats/haystack-json.js';
import {
  JsonNumber,
  JsonSyntaxError,
  parseJson,
  readJson,
} from '../../lambda/formats/json-reader.js';
import { Span } from '../../proto/haystack.generated.js';
import { expectedSpans, vector } from '../helpers/vectors.js';

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

const base = {
  traceId: 't',
  spanId: 's',
  serviceName: 'svc',
  operationName: 'op',
  startTime: 1521482680950000,
  duration: 1,
};

function only(decoded: DecodedSpans) {
  if (!decoded.ok) throw new Error(`record refused: ${decoded.reason}`);
  return decoded.spans;
}

describe('decodeHaystackJson', () => {
  it("converts the HTTP collector README's example exactly as protoc encodes the expected span", () => {
    const spans = only(decodeHaystackJson(vector('haystack-http-readme.json')));

    expect(spans).toEqual([
      { ok: true, bytes: expectedSpans('haystack-http-readme.expected.bin')[0] },
    ]);
  });

  it('infers every tag type as json4s + Jackson did, span by span, refusing only the bad one', () => {
    const [first, second] = expectedSpans('haystack-json-types.expected.bin');

    const spans = only(decodeHaystackJson(vector('haystack-json-types.json')));

    expect(spans).toEqual([
      { ok: true, bytes: first },
      { ok: true, bytes: second },
      { ok: false, reason: 'invalid-json-span' },
    ]);
  });

  it.each([
    ['200', 'vLong', 3],
    ['-7', 'vLong', 3],
    ['1.0', 'vDouble', 1],
    ['1e3', 'vDouble', 1],
    ['2.5E-3', 'vDouble', 1],
    ['true', 'vBool', 2],
    ['"200"', 'vStr', 0],
  ])('types the tag value %s as %s', (literal, field, type) => {
    const record = Buffer.from(
      JSON.stringify({ ...base, tags: [{ key: 'k', value: 'PLACEHOLDER' }] }).replace(
        '"PLACEHOLDER"',
        literal,
      ),
    );

    const [span] = only(decodeHaystackJson(record));
    const tag = span?.ok ? Span.decode(span.bytes).tags[0] : undefined;

    expect(tag?.myvalue).toBe(field);
    expect(tag?.type ?? 0).toBe(type);
  });

  it('keeps 64-bit integers exact', () => {
    const record = Buffer.from(
      '{"traceId":"t","spanId":"s","serviceName":"a","operationName":"b","startTime":9007199254740993,"duration":9223372036854775807,"tags":[{"key":"k","value":-9223372036854775808}]}',
    );

    const [span] = only(decodeHaystackJson(record));
    const decoded = span?.ok ? Span.toObject(Span.decode(span.bytes), { longs: String }) : {};

    expect(decoded.startTime).toBe('9007199254740993');
    expect(decoded.duration).toBe('9223372036854775807');
    expect(decoded.tags[0].vLong).toBe('-9223372036854775808');
  });

  it('turns missing required strings into empty ones, so validation names the field', () => {
    const [span] = only(decodeHaystackJson(json({ spanId: 's', startTime: 1 })));

    const decoded = span?.ok ? Span.decode(span.bytes) : undefined;

    expect(decoded?.traceId).toBe('');
    expect(decoded?.spanId).toBe('s');
  });

  it.each([
    ['a numeric traceId', { ...base, traceId: 5 }],
    ['a fractional startTime', { ...base, startTime: 1.5 }],
    ['a startTime past int64', { ...base, startTime: '9223372036854775808' }],
    ['tags that are not a list', { ...base, tags: {} }],
    ['a tag without a value', { ...base, tags: [{ key: 'k' }] }],
    ['a tag with a null value', { ...base, tags: [{ key: 'k', value: null }] }],
    ['a tag with a numeric key', { ...base, tags: [{ key: 1, value: 'v' }] }],
    ['an integer tag past int64', { ...base, tags: [{ key: 'k', value: 2 ** 64 }] }],
    ['a log that is not an object', { ...base, logs: [1] }],
  ])('refuses a span with %s as invalid-json-span', (_, value) => {
    const record = Buffer.from(
      JSON.stringify(value).replace('18446744073709552000', '18446744073709551616'),
    );

    expect(decodeHaystackJson(record)).toEqual({
      ok: true,
      spans: [{ ok: false, reason: 'invalid-json-span' }],
    });
  });

  it.each([
    ['not JSON', Buffer.from('{"traceId":')],
    ['a JSON string', json('span')],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d])],
    ['two documents', Buffer.from('{} {}')],
  ])('refuses %s as undecodable-json', (_, bytes) => {
    expect(decodeHaystackJson(bytes)).toEqual({ ok: false, reason: 'undecodable-json' });
  });

  it('refuses an empty array as no-spans', () => {
    expect(decodeHaystackJson(json([]))).toEqual({ ok: false, reason: 'no-spans' });
  });
});

describe('readJson', () => {
  it('keeps numbers as written', () => {
    const value = parseJson('[1, 1.0, -0, 1e400, 12345678901234567890]');

    expect(value).toEqual(
      ['1', '1.0', '-0', '1e400', '12345678901234567890'].map((t) => new JsonNumber(t)),
    );
  });

  it('reads strings with every escape, and a leading byte order mark', () => {
    const text = '\ufeff{"a\\u00e9\\n":"\\"\\\\\\/\\b\\f\\r\\t\\ud83d\\ude00"}';

    expect(readJson(Buffer.from(text))).toEqual(new Map([['aé\n', '"\\/\b\f\r\t😀']]));
  });

  it('keeps __proto__ as a plain key', () => {
    const value = parseJson('{"__proto__":{"polluted":true}}');

    expect(value instanceof Map && value.has('__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['a trailing comma', '[1,]'],
    ['a leading zero', '01'],
    ['a bare fraction', '.5'],
    ['single quotes', "{'a':1}"],
    ['a raw control character', '"a\nb"'],
    ['a bad escape', '"\\x"'],
    ['an unterminated string', '"abc'],
    ['nesting past the limit', `${'['.repeat(65)}${']'.repeat(65)}`],
    ['nothing', ''],
  ])('refuses %s', (_, text) => {
    expect(() => parseJson(text)).toThrow(JsonSyntaxError);
  });
});

describe('readJson nesting', () => {
  it('reads 64 levels', () => {
    expect(() => parseJson(`${'['.repeat(64)}${']'.repeat(64)}`)).not.toThrow();
  });
});
