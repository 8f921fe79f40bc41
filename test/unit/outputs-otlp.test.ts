import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeOtlpJson } from '../../lambda/formats/otlp-json.js';
import { decodeOtlpProto } from '../../lambda/formats/otlp-proto.js';
import { routeMessages, spanMessages } from '../../lambda/messages.js';
import { otlpParentSpanId, otlpSpanId, otlpTraceId } from '../../lambda/outputs/otlp-ids.js';
import { SpanOutputs } from '../../lambda/outputs/span-outputs.js';
import type { Rejected } from '../../lambda/rejections.js';
import { checkSpans } from '../../lambda/spans.js';
import { type ISpan, Span, Tag } from '../../proto/haystack.generated.js';
import { otlp } from '../../proto/otlp-trace.generated.js';
import { losslessHaystackSpan } from '../helpers/arbitraries.js';
import { encodeSpan } from '../helpers/factories.js';
import { verified } from '../helpers/verdicts.js';

const sha = (text: string, n: number) => createHash('sha256').update(text).digest().subarray(0, n);
const UUID = '7F0C2D3E-5b1a-4c8e-9a6f-00000000002a';

/** Valid spans as the handler has them, one record each unless `records` says otherwise. */
function outputsOf(spans: Buffer[], records = spans.map((_, i) => i)): SpanOutputs {
  const rejected: Rejected[] = [];
  const valid = checkSpans(
    spans.map((data, i) => ({ recordIndex: records[i] as number, subIndex: 0, data })),
    rejected,
  );
  expect(rejected).toEqual([]);
  return new SpanOutputs(valid);
}

/** The one OTLP message of one span, decoded by protobufjs. */
function otlpOf(fields: Partial<ISpan>) {
  const [message] = spanMessages(
    outputsOf([encodeSpan(fields)]),
    'otlp_spans',
    'otlp-proto',
    1e6,
    [],
  );
  const request = otlp.ExportTraceServiceRequest.decode(message?.value as Buffer);
  const resource = request.resourceSpans[0];
  const s = resource?.scopeSpans?.[0]?.spans?.[0] as otlp.Span;
  const attributes = Object.fromEntries(
    s.attributes.map((a) => [
      a.key,
      otlp.AnyValue.toObject(a.value as otlp.AnyValue, { longs: String }),
    ]),
  );
  return { message, request, resource, span: s, attributes };
}

describe('Haystack ids as OTLP ids', () => {
  it.each([
    [
      'a UUID, any case: its 16 bytes',
      UUID,
      Buffer.from('7f0c2d3e5b1a4c8e9a6f00000000002a', 'hex'),
    ],
    [
      '32 hex digits: as they are',
      '5B8EFFF798038103D269B633813FC60C',
      Buffer.from('5b8efff798038103d269b633813fc60c', 'hex'),
    ],
    [
      '16 hex digits: 8 zero bytes first',
      'eee19b7ec3c1b174',
      Buffer.from('0000000000000000eee19b7ec3c1b174', 'hex'),
    ],
    ['anything else: SHA-256, first 16 bytes', 'trace-42', sha('trace-42', 16)],
    [
      'an all-zero UUID: hashed, never the invalid id',
      '00000000-0000-0000-0000-000000000000',
      sha('00000000-0000-0000-0000-000000000000', 16),
    ],
  ])('trace id: %s', (_, text, id) => {
    expect(otlpTraceId(text)).toEqual(id);
  });

  it.each([
    ['16 hex digits: as they are', 'EEE19B7EC3C1B174', Buffer.from('eee19b7ec3c1b174', 'hex')],
    ['a UUID: SHA-256, first 8 bytes', UUID, sha(UUID, 8)],
    ['anything else: SHA-256, first 8 bytes', 'span-1', sha('span-1', 8)],
  ])('span id: %s', (_, text, id) => {
    expect(otlpSpanId(text)).toEqual(id);
  });

  it('a parent id names its parent’s span id; empty or zero is a root', () => {
    expect(otlpParentSpanId('span-1')).toEqual(otlpSpanId('span-1'));
    expect(otlpParentSpanId('')).toEqual(Buffer.alloc(0));
    expect(otlpParentSpanId('0000000000000000')).toEqual(Buffer.alloc(0));
  });
});

describe('otlp-proto output of one span', () => {
  it('maps ids, times, service, kind, status and typed tags; keeps ids OTLP cannot spell', () => {
    const {
      message,
      resource,
      span: s,
      attributes,
    } = otlpOf({
      traceId: UUID,
      spanId: 'eee19b7ec3c1b174',
      parentSpanId: 'parent-1',
      startTime: 1_764_000_000_000_001,
      duration: 250,
      tags: [
        { key: 'span.kind', vStr: 'client' },
        { key: 'error', type: Tag.TagType.BOOL, vBool: true },
        { key: 'http.status_code', type: Tag.TagType.LONG, vLong: -7 },
        { key: 'ratio', type: Tag.TagType.DOUBLE, vDouble: 0.5 },
        { key: 'payload', type: Tag.TagType.BINARY, vBytes: Buffer.from([0, 255]) },
        { key: 'http.status_code', type: Tag.TagType.LONG, vLong: 1 },
      ],
      logs: [
        {
          timestamp: 1_764_000_000_000_100,
          fields: [
            { key: 'event', vStr: 'retry' },
            { key: 'n', vStr: 'x' },
          ],
        },
      ],
    });

    expect(message?.key?.toString()).toBe('7f0c2d3e5b1a4c8e9a6f00000000002a');
    expect(Buffer.from(s.traceId).toString('hex')).toBe('7f0c2d3e5b1a4c8e9a6f00000000002a');
    expect(Buffer.from(s.spanId).toString('hex')).toBe('eee19b7ec3c1b174');
    expect(Buffer.from(s.parentSpanId)).toEqual(sha('parent-1', 8));
    expect(String(s.startTimeUnixNano)).toBe('1764000000000001000');
    expect(String(s.endTimeUnixNano)).toBe('1764000000000251000');
    expect(s.kind).toBe(otlp.Span.SpanKind.SPAN_KIND_CLIENT);
    expect(s.status?.code).toBe(otlp.Status.StatusCode.STATUS_CODE_ERROR);
    expect(resource?.resource?.attributes).toEqual([
      expect.objectContaining({
        key: 'service.name',
        value: expect.objectContaining({ stringValue: 'checkout' }),
      }),
    ]);
    expect(attributes).toEqual({
      'haystack.trace_id': { stringValue: UUID },
      'haystack.parent_span_id': { stringValue: 'parent-1' },
      'http.status_code': { intValue: '-7' },
      ratio: { doubleValue: 0.5 },
      payload: { bytesValue: Buffer.from([0, 255]) },
    });
    expect(
      s.events.map((e) => [String(e.timeUnixNano), e.name, e.attributes?.map((a) => a.key)]),
    ).toEqual([['1764000000000100000', 'retry', ['n']]]);
  });

  it.each([
    ['a string error=true', [{ key: 'error', vStr: 'TRUE' }], 2, ['error']],
    ['error=false', [{ key: 'error', type: Tag.TagType.BOOL, vBool: false }], 0, ['error']],
    [
      'otel.status_code over error',
      [
        { key: 'error', type: Tag.TagType.BOOL, vBool: true },
        { key: 'otel.status_code', vStr: 'OK' },
      ],
      1,
      ['error'],
    ],
    ['an unknown span.kind', [{ key: 'span.kind', vStr: 'gateway' }], 0, ['span.kind']],
  ])('status and kind from %s', (_, tags, code, keys) => {
    const { span: s } = otlpOf({
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: 'eee19b7ec3c1b174',
      parentSpanId: '',
      tags,
      logs: [],
    });

    expect(s.status?.code ?? 0).toBe(code);
    expect(s.attributes.map((a) => a.key)).toEqual(keys);
  });

  it('puts otel.scope.* tags into the instrumentation scope', () => {
    const { resource, span: s } = otlpOf({
      tags: [
        { key: 'otel.scope.name', vStr: 'io.opentelemetry.jdbc' },
        { key: 'otel.scope.version', vStr: '2.1' },
      ],
    });

    expect(resource?.scopeSpans?.[0]?.scope).toMatchObject({
      name: 'io.opentelemetry.jdbc',
      version: '2.1',
    });
    expect(s.attributes.map((a) => a.key)).not.toContain('otel.scope.name');
  });

  it('otlp-json writes hex ids, integer enums and 64-bit values as strings', () => {
    const [message] = spanMessages(
      outputsOf([
        encodeSpan({
          traceId: UUID,
          spanId: 'eee19b7ec3c1b174',
          tags: [
            { key: 'span.kind', vStr: 'server' },
            { key: 'n', type: Tag.TagType.LONG, vLong: 42 },
          ],
        }),
      ]),
      'otlp_spans',
      'otlp-json',
      1e6,
      [],
    );
    const json = JSON.parse(String(message?.value));
    const s = json.resourceSpans[0].scopeSpans?.[0].spans[0];

    expect(s).toMatchObject({
      traceId: '7f0c2d3e5b1a4c8e9a6f00000000002a',
      spanId: 'eee19b7ec3c1b174',
      kind: 2,
      startTimeUnixNano: '1764000000000000000',
      endTimeUnixNano: '1764000000012345000',
    });
    expect(s.attributes).toContainEqual({ key: 'n', value: { intValue: '42' } });
  });
});

describe('Haystack → OTLP → Haystack', () => {
  it.each(['otlp-proto', 'otlp-json'] as const)(
    'gives back the same span bytes where the mapping is lossless (%s)',
    (format) => {
      fc.assert(
        fc.property(losslessHaystackSpan, (haystack) => {
          const bytes = Buffer.from(Span.encode(haystack).finish());
          const [message] = spanMessages(outputsOf([bytes]), 't', format, 1e7, []);
          const decoded = (format === 'otlp-proto' ? decodeOtlpProto : decodeOtlpJson)(
            message?.value as Buffer,
          );

          expect(verified(decoded)).toEqual({ ok: true, spans: [{ ok: true, bytes }] });
        }),
        { numRuns: Number(process.env.PROPERTY_RUNS ?? 300) },
      );
    },
    120_000, // a guard against a hang, not a limit: the runs take seconds on a loaded machine
  );
});

describe('OTLP messages', () => {
  const trace = (id: string, spanId: string, service = 'checkout') =>
    encodeSpan({ traceId: id, spanId, serviceName: service });

  it('one message per trace, naming the earliest record whose spans it carries', () => {
    const spans = [
      trace('trace-a', 'a1'),
      trace('trace-b', 'b1'),
      trace('trace-a', 'a2', 'payments'),
      trace('trace-a', 'a3'),
    ];
    const messages = spanMessages(outputsOf(spans, [3, 4, 5, 5]), 't', 'otlp-proto', 1e6, []);

    expect(messages.map((m) => [m.key?.toString(), m.recordIndex, m.spans])).toEqual([
      [otlpTraceId('trace-a').toString('hex'), 3, 3],
      [otlpTraceId('trace-b').toString('hex'), 4, 1],
    ]);
    const request = otlp.ExportTraceServiceRequest.decode(messages[0]?.value as Buffer);
    expect(
      request.resourceSpans.map((r) => [
        r.resource?.attributes?.[0]?.value?.stringValue,
        r.scopeSpans?.[0]?.spans?.length,
      ]),
    ).toEqual([
      ['checkout', 2],
      ['payments', 1],
    ]);
  });

  it('cuts a trace too large for one message into several, every span in exactly one', () => {
    const spans = Array.from({ length: 40 }, (_, i) =>
      encodeSpan({ traceId: 'big', spanId: `s${i}`, operationName: 'x'.repeat(400) }),
    );
    const messages = spanMessages(outputsOf(spans), 't', 'otlp-proto', 4096, []);

    expect(messages.length).toBeGreaterThan(1);
    const carried = messages.flatMap((m) =>
      otlp.ExportTraceServiceRequest.decode(m.value).resourceSpans.flatMap((r) =>
        r.scopeSpans?.flatMap((s) => s.spans ?? []),
      ),
    );
    expect(carried.map((s) => Buffer.from(s?.spanId ?? []).toString('hex')).sort()).toEqual(
      spans.map((_, i) => otlpSpanId(`s${i}`).toString('hex')).sort(),
    );
    for (const m of messages) expect(m.value.length).toBeLessThan(4096);
  });

  it('refuses a span OTLP cannot hold: too large alone, or a time past 2554', () => {
    const huge = encodeSpan({ traceId: 'h', operationName: 'x'.repeat(5000) });
    const late = encodeSpan({ traceId: 'l', startTime: 2 ** 62 });
    const fine = encodeSpan({ traceId: 'f' });
    const rejected: Rejected[] = [];

    const messages = spanMessages(outputsOf([huge, late, fine]), 't', 'otlp-proto', 4096, rejected);

    expect(messages.map((m) => m.recordIndex)).toEqual([2]);
    expect(rejected.map((r) => [r.recordIndex, r.reason]).sort()).toEqual([
      [0, 'too-large'],
      [1, 'unmappable-otlp'],
    ]);
  });

  it('a route writes its own format; spans the main output refused are not routed', () => {
    const huge = encodeSpan({ traceId: 'h', operationName: 'x'.repeat(5000) });
    const fine = encodeSpan({ traceId: 'f' });
    const outputs = outputsOf([huge, fine]);
    const route = { name: 'otel', topic: 'otlp_spans', tags: {}, output: 'otlp-json' as const };

    const main = spanMessages(outputs, 'proto-spans', 'proto', 4096, []);
    const routed = routeMessages(outputs, [[route], [route]], 'proto', 4096);

    expect(main.map((m) => m.value)).toEqual([fine]);
    expect(routed).toHaveLength(1);
    expect(routed[0]).toMatchObject({
      kind: 'route',
      route: 'otel',
      topic: 'otlp_spans',
      recordIndex: 1,
      spans: 1,
    });
    expect(JSON.parse(routed[0]?.value.toString() ?? '')).toHaveProperty('resourceSpans');
  });

  it('keeps each route’s messages together, so a request holds one route', () => {
    const spans = [encodeSpan({ traceId: 'a' }), encodeSpan({ traceId: 'b' })];
    const r1 = { name: 'r1', topic: 't1', tags: {} };
    const r2 = { name: 'r2', topic: 't2', tags: {} };

    const routed = routeMessages(
      outputsOf(spans),
      [
        [r1, r2],
        [r1, r2],
      ],
      'proto',
      1e6,
    );

    expect(routed.map((m) => m.topic)).toEqual(['t1', 't1', 't2', 't2']);
  });
});
