import { describe, expect, it } from 'vitest';
import { toLong } from '../../lambda/formats/int64.js';
import { decodeOtlpJson } from '../../lambda/formats/otlp-json.js';
import { decodeOtlpProto } from '../../lambda/formats/otlp-proto.js';
import { Span } from '../../proto/haystack.generated.js';
import { otlp } from '../../proto/otlp-trace.generated.js';
import { expectedSpans, vector } from '../helpers/vectors.js';
import { verified } from '../helpers/verdicts.js';

const ID16 = Buffer.from('5b8efff798038103d269b633813fc60c', 'hex');
const ID8 = Buffer.from('eee19b7ec3c1b174', 'hex');

/** A request of one resource and one scope holding the given spans, encoded by protobufjs. */
function request(spans: otlp.ISpan[], resource: otlp.IResource = {}): Buffer {
  return Buffer.from(
    otlp.ExportTraceServiceRequest.encode({
      resourceSpans: [{ resource, scopeSpans: [{ spans }] }],
    }).finish(),
  );
}

const minimal: otlp.ISpan = {
  traceId: ID16,
  spanId: ID8,
  name: 'op',
  startTimeUnixNano: toLong(1_544_712_660_000_000_000n),
  endTimeUnixNano: toLong(1_544_712_660_000_001_000n),
};

function converted(bytes: Buffer) {
  const decoded = decodeOtlpProto(bytes);
  if (!decoded.ok) throw new Error(decoded.reason);
  return decoded.spans.map((s) =>
    s.ok ? Span.toObject(Span.decode(s.bytes), { longs: String }) : s.reason,
  );
}

describe('decodeOtlpProto', () => {
  it('converts a protoc-encoded request field by field, refusing only its bad span', () => {
    const [first, second] = expectedSpans('otlp-request.expected.bin');

    expect(verified(decodeOtlpProto(vector('otlp-request.bin')))).toEqual({
      ok: true,
      spans: [
        { ok: true, bytes: first },
        { ok: true, bytes: second },
        { ok: false, reason: 'invalid-otlp-span' },
      ],
    });
  });

  it('falls back to unknown_service without a service.name', () => {
    expect(converted(request([minimal]))[0]).toMatchObject({ serviceName: 'unknown_service' });
  });

  it.each([
    ['all-zero trace id', { traceId: Buffer.alloc(16) }, { traceId: undefined }],
    ['empty span id', { spanId: Buffer.alloc(0) }, { spanId: undefined }],
    ['no end time', { endTimeUnixNano: 0 }, { duration: '-1544712660000000' }],
    [
      'an end 1 ns before the start',
      { endTimeUnixNano: toLong(1_544_712_659_999_999_999n) },
      { duration: '-1' },
    ],
    ['999 ns', { endTimeUnixNano: toLong(1_544_712_660_000_000_999n) }, { duration: undefined }],
  ])('maps %s', (_, fields, expected) => {
    const [span] = converted(request([{ ...minimal, ...fields }]));

    for (const [key, value] of Object.entries(expected)) {
      expect((span as Record<string, unknown>)[key]).toBe(value);
    }
  });

  it.each([
    [otlp.Span.SpanKind.SPAN_KIND_INTERNAL, 'internal'],
    [otlp.Span.SpanKind.SPAN_KIND_SERVER, 'server'],
    [otlp.Span.SpanKind.SPAN_KIND_CLIENT, 'client'],
    [otlp.Span.SpanKind.SPAN_KIND_PRODUCER, 'producer'],
    [otlp.Span.SpanKind.SPAN_KIND_CONSUMER, 'consumer'],
  ])('maps span kind %i to span.kind=%s', (kind, tag) => {
    const [span] = converted(request([{ ...minimal, kind }]));

    expect(span).toMatchObject({ tags: [{ key: 'span.kind', vStr: tag }] });
  });

  it('adds no span.kind for an unspecified kind, and no status tags while unset', () => {
    expect(converted(request([minimal]))[0]).not.toHaveProperty('tags');
  });

  it('refuses one undecodable span and keeps its sibling', () => {
    const good = otlp.Span.encode(minimal).finish();
    const scopeSpans = Buffer.concat([
      Buffer.from([0x12, good.length]),
      good,
      Buffer.from([0x12, 0x02, 0x0a, 0x05]), // a span whose trace_id runs past its end
    ]);
    const resourceSpans = Buffer.concat([Buffer.from([0x12, scopeSpans.length]), scopeSpans]);
    const record = Buffer.concat([Buffer.from([0x0a, resourceSpans.length]), resourceSpans]);

    expect(converted(record)).toEqual([
      expect.objectContaining({ operationName: 'op' }),
      'invalid-otlp-span',
    ]);
  });

  it('reads a resource written after its spans', () => {
    const resource = otlp.Resource.encode({
      attributes: [{ key: 'service.name', value: { stringValue: 'late' } }],
    }).finish();
    const scopeSpans = otlp.ScopeSpans.encode({ spans: [minimal] }).finish();
    const resourceSpans = Buffer.concat([
      Buffer.from([0x12, scopeSpans.length]),
      scopeSpans,
      Buffer.from([0x0a, resource.length]),
      resource,
    ]);
    const record = Buffer.concat([Buffer.from([0x0a, resourceSpans.length]), resourceSpans]);

    expect(converted(record)[0]).toMatchObject({ serviceName: 'late' });
  });

  it.each([
    ['broken framing', Buffer.from([0x0a, 0x09, 0x00])],
    ['a resource that does not decode', Buffer.from([0x0a, 0x04, 0x0a, 0x02, 0x0a, 0x05])],
    ['a Haystack span', Buffer.from(Span.encode({ traceId: 't', serviceName: 's' }).finish())],
  ])('refuses %s as undecodable-otlp', (_, bytes) => {
    expect(decodeOtlpProto(bytes)).toEqual({ ok: false, reason: 'undecodable-otlp' });
  });

  it('refuses a request without spans as no-spans', () => {
    expect(decodeOtlpProto(request([]))).toEqual({ ok: false, reason: 'no-spans' });
  });
});

describe('decodeOtlpJson', () => {
  it('converts the OTLP/JSON form of the protoc vector to the same Haystack spans as otlp-proto', () => {
    const [first, second] = expectedSpans('otlp-request.expected.bin');

    expect(verified(decodeOtlpJson(vector('otlp-request.json')))).toEqual({
      ok: true,
      spans: [
        { ok: true, bytes: first },
        { ok: true, bytes: second },
        { ok: false, reason: 'invalid-otlp-span' },
      ],
    });
  });

  it("converts opentelemetry-proto's own example, upper-case hex ids included", () => {
    const [expected] = expectedSpans('otlp-trace-example.expected.bin');

    expect(verified(decodeOtlpJson(vector('otlp-trace-example.json')))).toEqual({
      ok: true,
      spans: [{ ok: true, bytes: expected }],
    });
  });

  it('accepts snake_case names, enum names, numeric 64-bit values and NaN', () => {
    const record = Buffer.from(
      JSON.stringify({
        resource_spans: [
          {
            scope_spans: [
              {
                spans: [
                  {
                    trace_id: ID16.toString('hex'),
                    span_id: ID8.toString('hex'),
                    name: 'op',
                    kind: 'SPAN_KIND_CLIENT',
                    start_time_unix_nano: 1_544_712_660_000_000_000, // exact as a double: a multiple of 256
                    end_time_unix_nano: '1544712660000002000',
                    attributes: [
                      { key: 'n', value: { int_value: 7 } },
                      { key: 'd', value: { doubleValue: 'NaN' } },
                      { key: 'b', value: { bytesValue: 'AAH_' } },
                    ],
                    status: { code: 'STATUS_CODE_ERROR' },
                  },
                ],
              },
            ],
          },
        ],
      }),
    );

    const decoded = decodeOtlpJson(record);
    const span =
      decoded.ok && decoded.spans[0]?.ok ? Span.decode(decoded.spans[0].bytes) : undefined;

    expect(Span.toObject(span as Span, { longs: String, bytes: String })).toMatchObject({
      startTime: '1544712660000000',
      duration: '2',
      tags: [
        { key: 'n', type: 3, vLong: '7' },
        { key: 'd', type: 1, vDouble: Number.NaN },
        { key: 'b', type: 4, vBytes: 'AAH/' },
        { key: 'span.kind', vStr: 'client' },
        { key: 'error', type: 2, vBool: true },
        { key: 'otel.status_code', vStr: 'ERROR' },
      ],
    });
  });

  it.each([
    ['an odd-length hex id', { traceId: 'abc' }],
    ['a non-hex id', { spanId: 'zzzzzzzzzzzzzzzz' }],
    ['a 12-byte trace id', { traceId: '00'.repeat(12) }],
    ['a fractional time', { startTimeUnixNano: 1.5 }],
    ['a negative time', { startTimeUnixNano: '-1' }],
    ['an unknown kind name', { kind: 'SPAN_KIND_SIDEWAYS' }],
    ['attributes that are not a list', { attributes: {} }],
    ['a boolValue that is a string', { attributes: [{ key: 'k', value: { boolValue: 'yes' } }] }],
  ])('refuses a span with %s as invalid-otlp-span', (_, fields) => {
    const span = {
      traceId: ID16.toString('hex'),
      spanId: ID8.toString('hex'),
      name: 'op',
      ...fields,
    };
    const record = Buffer.from(
      JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] }),
    );

    expect(decodeOtlpJson(record)).toEqual({
      ok: true,
      spans: [{ ok: false, reason: 'invalid-otlp-span' }],
    });
  });

  it.each([
    ['not JSON', '{"resourceSpans":'],
    ['an array', '[]'],
    ['resourceSpans not a list', '{"resourceSpans":{}}'],
    ['a resource that is a string', '{"resourceSpans":[{"resource":"r","scopeSpans":[]}]}'],
  ])('refuses %s as undecodable-otlp', (_, text) => {
    expect(decodeOtlpJson(Buffer.from(text))).toEqual({ ok: false, reason: 'undecodable-otlp' });
  });

  it('refuses a request without spans as no-spans', () => {
    expect(decodeOtlpJson(Buffer.from('{"resourceSpans":[]}'))).toEqual({
      ok: false,
      reason: 'no-spans',
    });
  });
});
