import { describe, expect, it } from 'vitest';
import { javaDouble, outputValue, quote, spanJson } from '../../lambda/decorators/json-output.js';
import { Span } from '../../proto/haystack.generated.js';
import { encodeSpan } from '../helpers/factories.js';
import { vector } from '../helpers/vectors.js';

describe('spanJson', () => {
  it("prints exactly what protobuf-java-util's JsonFormat printed for the original collector", () => {
    const java = vector('span-full.json').toString('utf8');

    expect(spanJson(vector('span-full.bin'))).toBe(java);
  });

  it('is valid JSON holding the same span', () => {
    const bytes = encodeSpan();

    const parsed = JSON.parse(spanJson(bytes));

    expect(parsed.traceId).toBe(Span.decode(bytes).traceId);
    expect(parsed.startTime).toBe('1764000000000000');
  });

  it('prints a oneof value even when it is the default, and leaves out other defaults', () => {
    const bytes = Buffer.from(
      Span.encode({
        traceId: 't',
        tags: [
          { key: 'k', vStr: '' },
          { key: 'n', type: 3, vLong: 0 },
        ],
      }).finish(),
    );

    expect(spanJson(bytes)).toBe(
      '{"traceId":"t","tags":[{"key":"k","vStr":""},{"key":"n","type":"LONG","vLong":"0"}]}',
    );
  });

  it('prints an unknown tag type as its number', () => {
    const bytes = Buffer.from(
      Span.encode({ tags: [{ key: 'k', type: 9 as never, vStr: 'v' }] }).finish(),
    );

    expect(spanJson(bytes)).toBe('{"tags":[{"key":"k","type":9,"vStr":"v"}]}');
  });
});

describe('outputValue', () => {
  it('passes proto bytes through as the same buffer', () => {
    const bytes = encodeSpan();

    expect(outputValue(bytes, 'proto')).toBe(bytes);
  });

  it('writes json as UTF-8', () => {
    const bytes = vector('span-full.bin');

    expect(outputValue(bytes, 'json')).toEqual(vector('span-full.json'));
  });
});

describe('javaDouble', () => {
  it.each([
    [0, '0.0'],
    [-0, '-0.0'],
    [1, '1.0'],
    [-2.5, '-2.5'],
    [0.001, '0.001'],
    [0.000999, '9.99E-4'],
    [1234567.5, '1234567.5'],
    [1e7, '1.0E7'],
    [12345678.9, '1.23456789E7'],
    [1e21, '1.0E21'],
    [1e-7, '1.0E-7'],
    [Number.MAX_VALUE, '1.7976931348623157E308'],
    // Java writes 4.9E-324 (two digits where one suffices); both read back as the same double.
    [Number.MIN_VALUE, '5.0E-324'],
    [Number.NaN, '"NaN"'],
    [Number.POSITIVE_INFINITY, '"Infinity"'],
    [Number.NEGATIVE_INFINITY, '"-Infinity"'],
  ])('prints %d as %s', (value, text) => {
    expect(javaDouble(value)).toBe(text);
  });
});

describe('quote', () => {
  it('escapes as JsonFormat does, leaving HTML characters and non-ASCII alone', () => {
    expect(quote('<&\'=>é"\\\u0000\u001f\u007f\u2028\u2029\b\f\n\r\t/')).toBe(
      '"<&\'=>é\\"\\\\\\u0000\\u001f\u007f\\u2028\\u2029\\b\\f\\n\\r\\t/"',
    );
  });
});
