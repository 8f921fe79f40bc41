import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { Writer } from 'protobufjs/minimal.js';
import { describe, expect, it } from 'vitest';
import type { Rejected } from '../../lambda/rejections.js';
import {
  checkSpan,
  checkSpans,
  MIN_START_TIME_MICROS,
  type TraceIdRange,
} from '../../lambda/spans.js';
import { Span } from '../../proto/haystack.generated.js';
import { encodeSpan, span } from '../helpers/factories.js';

const range = (): TraceIdRange => ({ start: -1, end: -1 });

function check(bytes: Uint8Array) {
  const traceId = range();
  const reason = checkSpan(bytes, traceId);
  return {
    reason,
    traceId,
    key: Buffer.from(bytes).subarray(traceId.start, traceId.end).toString(),
  };
}

describe('checkSpan accepts', () => {
  it('a complete span and finds its traceId bytes', () => {
    const bytes = encodeSpan({ traceId: 'trace-1' });

    const { reason, key } = check(bytes);

    expect(reason).toBeUndefined();
    expect(key).toBe('trace-1');
  });

  it('a minimal span: only the fields the rules need', () => {
    const bytes = Span.encode({
      traceId: 't',
      spanId: 's',
      serviceName: 'svc',
      operationName: 'op',
      startTime: MIN_START_TIME_MICROS,
    }).finish();

    expect(check(bytes).reason).toBeUndefined();
  });

  it('a zero duration (the original allows it)', () => {
    expect(check(encodeSpan({ duration: 0 })).reason).toBeUndefined();
  });

  it('a non-ASCII traceId, keyed by its UTF-8 bytes', () => {
    const { reason, key } = check(encodeSpan({ traceId: 'trâce-😀' }));

    expect(reason).toBeUndefined();
    expect(key).toBe('trâce-😀');
  });

  it('unknown fields, as a newer IDL might add', () => {
    const bytes = Buffer.concat([
      encodeSpan(),
      new Writer()
        .uint32((20 << 3) | 2)
        .string('future')
        .uint32((21 << 3) | 0)
        .int64(7)
        .uint32((22 << 3) | 5)
        .fixed32(1)
        .finish(),
    ]);

    expect(check(bytes).reason).toBeUndefined();
  });

  it('a known field with another wire type as an unknown one, as Java does', () => {
    // serviceName (4) sent as a varint is skipped; the length-delimited one still counts.
    const bytes = Buffer.concat([
      new Writer()
        .uint32((4 << 3) | 0)
        .uint32(1)
        .finish(),
      encodeSpan(),
    ]);

    expect(check(bytes).reason).toBeUndefined();
  });

  it('unknown groups, skipped to their end tag', () => {
    const group = new Writer()
      .uint32((30 << 3) | 3)
      .uint32((1 << 3) | 0)
      .uint32(5)
      .uint32((30 << 3) | 4)
      .finish();

    expect(check(Buffer.concat([encodeSpan(), group])).reason).toBeUndefined();
  });

  it('the last occurrence of a repeated singular field, as every protobuf parser does', () => {
    const bytes = Buffer.concat([
      encodeSpan({ traceId: 'first' }),
      new Writer()
        .uint32((1 << 3) | 2)
        .string('last')
        .finish(),
    ]);

    expect(check(bytes).key).toBe('last');
  });
});

describe('checkSpan rejects, in the original order', () => {
  it.each([
    ['missing-service-name', { serviceName: '' }],
    ['missing-operation-name', { operationName: '' }],
    ['missing-span-id', { spanId: '' }],
    ['missing-trace-id', { traceId: '' }],
    ['start-time-not-micros', { startTime: MIN_START_TIME_MICROS - 1 }],
    ['start-time-not-micros', { startTime: 1_764_000_000_000 }], // milliseconds
    ['start-time-not-micros', { startTime: 0 }],
    ['start-time-not-micros', { startTime: -5 }],
    ['negative-duration', { duration: -1 }],
  ] as const)('%s when %o', (reason, fields) => {
    expect(check(encodeSpan(fields)).reason).toBe(reason);
  });

  it('the first broken rule when several are', () => {
    const bytes = encodeSpan({ serviceName: '', operationName: '', traceId: '', duration: -1 });

    expect(check(bytes).reason).toBe('missing-service-name');
  });

  it('an empty record (all rules fail; the first one names it)', () => {
    expect(check(new Uint8Array(0)).reason).toBe('missing-service-name');
  });

  it('a serviceName that a later empty occurrence overrides', () => {
    const bytes = Buffer.concat([
      encodeSpan(),
      new Writer()
        .uint32((4 << 3) | 2)
        .string('')
        .finish(),
    ]);

    expect(check(bytes).reason).toBe('missing-service-name');
  });
});

describe('checkSpan refuses bytes that do not parse as a Span', () => {
  const valid = encodeSpan();
  const tag = (field: number, wire: number) => new Writer().uint32((field << 3) | wire);

  it.each([
    ['a truncated span', valid.subarray(0, valid.length - 3)],
    ['a length running past the end', Buffer.concat([valid, tag(3, 2).uint32(1000).finish()])],
    ['field number zero', Buffer.concat([valid, Buffer.from([0x00, 0x01])])],
    ['wire type 6', Buffer.concat([valid, Buffer.from([(9 << 3) | 6])])],
    ['wire type 7', Buffer.concat([valid, Buffer.from([(9 << 3) | 7])])],
    ['an end-group tag outside a group', Buffer.concat([valid, tag(30, 4).finish()])],
    ['a group without its end', Buffer.concat([valid, tag(30, 3).finish()])],
    [
      'a group closed by another field number',
      Buffer.concat([valid, tag(30, 3).finish(), tag(31, 4).finish()]),
    ],
    [
      'an eleven-byte varint',
      Buffer.concat([valid, tag(6, 0).finish(), Buffer.alloc(10, 0xff), Buffer.from([1])]),
    ],
    [
      'a negative int32 length',
      Buffer.concat([valid, tag(3, 2).finish(), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f])]),
    ],
    ['a fixed64 cut short', Buffer.concat([valid, tag(20, 1).finish(), Buffer.from([1, 2, 3])])],
    [
      'invalid UTF-8 in traceId',
      Buffer.concat([
        valid,
        tag(1, 2)
          .bytes(Buffer.from([0xc3, 0x28]))
          .finish(),
      ]),
    ],
    [
      'a UTF-16 surrogate in serviceName',
      Buffer.concat([
        valid,
        tag(4, 2)
          .bytes(Buffer.from([0xed, 0xa0, 0x80]))
          .finish(),
      ]),
    ],
    [
      'invalid UTF-8 in a tag key',
      Buffer.concat([
        valid,
        tag(9, 2)
          .fork()
          .uint32((1 << 3) | 2)
          .bytes(Buffer.from([0xff]))
          .ldelim()
          .finish(),
      ]),
    ],
    [
      'invalid UTF-8 in a log field value',
      Buffer.concat([
        valid,
        tag(8, 2)
          .fork()
          .uint32((2 << 3) | 2)
          .fork()
          .uint32((3 << 3) | 2)
          .bytes(Buffer.from([0x80]))
          .ldelim()
          .ldelim()
          .finish(),
      ]),
    ],
    [
      'a tag with a truncated varint',
      Buffer.concat([
        valid,
        tag(9, 2)
          .bytes(Buffer.from([(4 << 3) | 0, 0x80]))
          .finish(),
      ]),
    ],
    [
      'a log with a malformed nested tag',
      Buffer.concat([
        valid,
        tag(8, 2)
          .bytes(Buffer.from([(2 << 3) | 2, 5, 1]))
          .finish(),
      ]),
    ],
  ])('%s', (_, bytes) => {
    expect(check(bytes).reason).toBe('undecodable');
  });

  it('agrees with protobufjs on what parses, for every truncation of a real span', () => {
    for (let length = 0; length < valid.length; length++) {
      const bytes = valid.subarray(0, length);
      let parses = true;
      try {
        Span.decode(bytes);
      } catch {
        parses = false;
      }
      if (!parses) expect(check(bytes).reason, `length ${length}`).toBe('undecodable');
    }
  });
});

describe('checkSpans', () => {
  it('keeps valid spans in order with zero-copy keys and accounts for every other record', () => {
    const good = encodeSpan({ traceId: 'a' });
    const bad = encodeSpan({ spanId: '' });
    const good2 = encodeSpan({ traceId: 'b' });
    const records = [good, bad, good2].map((data, recordIndex) => ({
      recordIndex,
      subIndex: 0,
      data,
    }));
    const rejected: Rejected[] = [];

    const valid = checkSpans(records, rejected);

    expect(valid.map((v) => v.key.toString())).toEqual(['a', 'b']);
    expect(valid[0]?.key.buffer).toBe(good.buffer);
    expect(rejected).toEqual([
      { recordIndex: 1, subIndex: 0, data: bad, reason: 'missing-span-id' },
    ]);
  });

  it('matches the full protobufjs decode on many generated spans', () => {
    for (let i = 0; i < 500; i++) {
      const fields = span({ traceId: `t-${i}`, duration: i % 7 === 0 ? -i : i });
      const bytes = Span.encode(fields).finish();
      const decoded = Span.decode(bytes);

      const { reason, key } = check(bytes);

      expect(key === decoded.traceId || reason !== undefined).toBe(true);
      expect(reason === 'negative-duration').toBe(Number(decoded.duration) < 0);
    }
  });
});

describe('checkSpan string validation', () => {
  it('accepts a string field exactly when its bytes are UTF-8, wherever a bad byte sits', () => {
    const valid = encodeSpan();
    // Mostly ASCII with some high bytes, at every length around the 4-byte steps of the scan.
    const bytes = fc.uint8Array({ minLength: 1, maxLength: 19 }).chain((ascii) =>
      fc
        .array(fc.tuple(fc.nat(ascii.length - 1), fc.integer({ min: 0x80, max: 0xff })), {
          maxLength: 3,
        })
        .map((highs) => {
          const out = Buffer.from(ascii.map((b) => b & 0x7f));
          for (const [at, value] of highs) out[at] = value;
          return out;
        }),
    );

    fc.assert(
      fc.property(bytes, (name) => {
        const withName = Buffer.concat([
          valid,
          Writer.create()
            .uint32((4 << 3) | 2)
            .bytes(name)
            .finish(),
        ]);

        expect(check(withName).reason === 'undecodable').toBe(!isUtf8(name));
      }),
      { numRuns: 2000 },
    );
  });
});
