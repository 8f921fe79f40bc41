import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeOtlpProto } from '../../lambda/formats/otlp-proto.js';
import { otlpScope } from '../../lambda/formats/otlp-spans.js';
import { otlpTraceId } from '../../lambda/outputs/otlp-ids.js';
import { Span } from '../../proto/haystack.generated.js';
import { otlp } from '../../proto/otlp-trace.generated.js';
import { otlpSpanArbitrary, resourceArbitrary } from '../helpers/arbitraries.js';
import { referenceHaystackSpan } from '../helpers/otlp-reference.js';
import { verified } from '../helpers/verdicts.js';

/**
 * The wire transcoder (lambda/formats/otlp-transcode.ts) against the mapping written on
 * protobufjs objects (test/helpers/otlp-reference.ts): for any span, any resource, the same
 * Haystack bytes or the same refusal.
 */

function request(
  resource: otlp.IResource,
  spans: otlp.ISpan[],
  scope?: otlp.IInstrumentationScope,
) {
  return Buffer.from(
    otlp.ExportTraceServiceRequest.encode({
      resourceSpans: [{ resource, scopeSpans: [{ scope, spans }] }],
    }).finish(),
  );
}

describe('transcodeSpan', () => {
  it('writes exactly what the object mapping writes, for any span and resource', () => {
    fc.assert(
      fc.property(
        resourceArbitrary,
        fc.array(otlpSpanArbitrary, { minLength: 1, maxLength: 4 }),
        fc.record({ name: fc.string(), version: fc.string() }),
        (resource, spans, scope) => {
          const bytes = request(resource, spans, scope);
          // The reference reads what a protobuf parser reads back from the same bytes.
          const parsed = otlp.ExportTraceServiceRequest.decode(bytes).resourceSpans[0];
          const shared = otlpScope(parsed?.resource, parsed?.scopeSpans?.[0]?.scope);
          const expected = (parsed?.scopeSpans?.[0]?.spans ?? []).map((s) =>
            referenceHaystackSpan(s, shared),
          );

          expect(verified(decodeOtlpProto(bytes))).toEqual({ ok: true, spans: expected });
        },
      ),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 300) },
    );
  }, 120_000); // a guard against a hang, not a limit: the runs take seconds on a loaded machine

  const traceId = otlpTraceId('7f0c2d3e-5b1a-4c8e-9a6f-000000000001');
  const minimal = {
    traceId,
    spanId: Buffer.from('00000000000000aa', 'hex'),
    name: 'op',
    startTimeUnixNano: 1_764_000_000_000_000_000,
    endTimeUnixNano: 1_764_000_000_001_000_000,
  };
  const converted = (span: otlp.ISpan) => {
    const decoded = decodeOtlpProto(request({}, [span]));
    if (!decoded.ok || !decoded.spans[0]?.ok) throw new Error('not converted');
    return Span.decode(decoded.spans[0].bytes);
  };

  it('takes Haystack ids back from their attributes when they map to the span’s OTLP ids', () => {
    const span = converted({
      ...minimal,
      attributes: [
        {
          key: 'haystack.trace_id',
          value: { stringValue: '7f0c2d3e-5b1a-4c8e-9a6f-000000000001' },
        },
        { key: 'http.method', value: { stringValue: 'GET' } },
      ],
    });

    expect(span.traceId).toBe('7f0c2d3e-5b1a-4c8e-9a6f-000000000001');
    expect(span.spanId).toBe('00000000000000aa');
    expect(span.tags.map((t) => t.key)).toEqual(['http.method']);
  });

  it('keeps an id attribute that does not map to the span’s id as a tag, and the hex id', () => {
    const span = converted({
      ...minimal,
      attributes: [{ key: 'haystack.trace_id', value: { stringValue: 'some-other-trace' } }],
    });

    expect(span.traceId).toBe(traceId.toString('hex'));
    expect(span.tags.map((t) => [t.key, t.vStr])).toEqual([
      ['haystack.trace_id', 'some-other-trace'],
    ]);
  });
});
