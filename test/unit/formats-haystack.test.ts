import { describe, expect, it } from 'vitest';
import type { DecodedSpans } from '../../lambda/formats/decoded.js';
import { decodeHaystackBatch } from '../../lambda/formats/haystack-batch.js';
import { decodeHaystackSpan } from '../../lambda/formats/haystack-span.js';
import { checkSpan } from '../../lambda/spans.js';
import { Batch, Span } from '../../proto/haystack.generated.js';
import { encodeSpan } from '../helpers/factories.js';
import { vector } from '../helpers/vectors.js';

function spanBytes(decoded: DecodedSpans): Buffer[] {
  if (!decoded.ok) throw new Error(`record refused: ${decoded.reason}`);
  return decoded.spans.map((span) => {
    if (!span.ok) throw new Error(`span refused: ${span.reason}`);
    return span.bytes;
  });
}

describe('decodeHaystackSpan', () => {
  it('passes the record on as its one span, the very same buffer', () => {
    const bytes = vector('span-full.bin');

    const [span] = spanBytes(decodeHaystackSpan(bytes));

    expect(span).toBe(bytes);
  });
});

describe('decodeHaystackBatch', () => {
  it('splits a protoc-encoded Batch into views of its spans, every field intact', () => {
    const batch = vector('batch-three.bin');

    const spans = spanBytes(decodeHaystackBatch(batch));

    expect(spans).toHaveLength(3);
    for (const span of spans) expect(span.buffer).toBe(batch.buffer); // views, not copies
    const decoded = spans.map((s) =>
      Span.toObject(Span.decode(s), { longs: String, defaults: true }),
    );
    expect(decoded).toEqual([
      {
        traceId: 'trace-1',
        spanId: 'span-1',
        parentSpanId: '',
        serviceName: 'checkout',
        operationName: 'POST /orders',
        startTime: '1521482680950000',
        duration: '2000',
        logs: [],
        tags: [{ key: 'span.kind', type: 0, vStr: 'server' }],
      },
      {
        traceId: 'trace-1',
        spanId: 'span-2',
        parentSpanId: 'span-1',
        serviceName: '',
        operationName: 'SELECT orders',
        startTime: '1521482680950100',
        duration: '900',
        logs: [],
        tags: [],
      },
      {
        traceId: 'trace-2',
        spanId: 'span-3',
        serviceName: 'payments',
        parentSpanId: '',
        operationName: 'charge',
        startTime: '1521482680960000',
        duration: '0',
        logs: [],
        tags: [{ key: 'error', type: 2, vBool: true }],
      },
    ]);
  });

  it('leaves each span to validation: the one without a serviceName fails alone', () => {
    const spans = spanBytes(decodeHaystackBatch(vector('batch-three.bin')));

    const reasons = spans.map((s) => checkSpan(s, { start: 0, end: 0 }));

    expect(reasons).toEqual([undefined, 'missing-service-name', undefined]);
  });

  it('skips unknown Batch fields, as a newer IDL might add', () => {
    const span = encodeSpan();
    const batch = Buffer.concat([
      Buffer.from([0x10, 0x07]), // field 2, varint 7
      Batch.encode({ spans: [Span.decode(span)] }).finish(),
    ]);

    expect(spanBytes(decodeHaystackBatch(batch))).toEqual([span]);
  });

  it.each([
    ['a length running past the end', Buffer.from([0x0a, 0x05, 0x01])],
    ['a truncated varint', Buffer.from([0x0a, 0x80])],
    ['field number 0', Buffer.from([0x02, 0x00])],
    ['wire type 7', Buffer.from([0x0f])],
  ])('refuses %s as undecodable-batch', (_, bytes) => {
    expect(decodeHaystackBatch(bytes)).toEqual({ ok: false, reason: 'undecodable-batch' });
  });

  it('refuses an empty Batch as no-spans rather than dropping it silently', () => {
    expect(decodeHaystackBatch(Buffer.alloc(0))).toEqual({ ok: false, reason: 'no-spans' });
  });
});
