import fc from 'fast-check';
import { toLong } from '../../lambda/formats/int64.js';
import { type ILog, type ISpan, type ITag, Tag } from '../../proto/haystack.generated.js';
import type { otlp } from '../../proto/otlp-trace.generated.js';

/**
 * fast-check arbitraries for the OTLP mapping's property tests: OTLP spans of every field and
 * value type, and Haystack spans in the domain where Haystack → OTLP → Haystack is lossless
 * (docs/haystack-to-otlp.md, "Round trip").
 */

const text = fc.string({ unit: 'grapheme', maxLength: 12 });
const key = fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 10 });
const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const double = fc.double({ noDefaultInfinity: false });
const bytes = fc.uint8Array({ maxLength: 8 });
const nanos = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });

const anyValue: fc.Arbitrary<otlp.IAnyValue> = fc.letrec<{ value: otlp.IAnyValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    text.map((stringValue) => ({ stringValue })),
    fc.boolean().map((boolValue) => ({ boolValue })),
    int64.map((v) => ({ intValue: toLong(v) })),
    double.map((doubleValue) => ({ doubleValue })),
    bytes.map((bytesValue) => ({ bytesValue })),
    fc.constant({}),
    fc.array(tie('value'), { maxLength: 3 }).map((values) => ({ arrayValue: { values } })),
    fc
      .array(fc.record({ key, value: tie('value') }), { maxLength: 3 })
      .map((values) => ({ kvlistValue: { values } })),
  ),
})).value;

const attributes = fc.array(
  fc.record({
    key: fc.oneof(key, fc.constantFrom('span.kind', 'error', 'otel.status_code', 'host.name')),
    value: anyValue,
  }),
  { maxLength: 6 },
);

/** Any OTLP span: ids of the right and wrong sizes, every kind and status, events. */
export const otlpSpanArbitrary: fc.Arbitrary<otlp.ISpan> = fc.record({
  traceId: fc.oneof(
    fc.uint8Array({ minLength: 16, maxLength: 16 }),
    fc.constant(new Uint8Array(16)),
  ),
  spanId: fc.uint8Array({ minLength: 8, maxLength: 8 }),
  parentSpanId: fc.oneof(
    fc.constant(new Uint8Array()),
    fc.uint8Array({ minLength: 8, maxLength: 8 }),
  ),
  name: text,
  kind: fc.integer({ min: 0, max: 6 }),
  startTimeUnixNano: nanos.map(toLong),
  endTimeUnixNano: nanos.map(toLong),
  attributes,
  events: fc.array(fc.record({ timeUnixNano: nanos.map(toLong), name: text, attributes }), {
    maxLength: 3,
  }),
  status: fc.record({ code: fc.integer({ min: 0, max: 3 }), message: text }),
});

/** Resource attributes of a request, `service.name` among them or not. */
export const resourceArbitrary: fc.Arbitrary<otlp.IResource> = fc.record({
  attributes: fc.array(
    fc.record({
      key: fc.oneof(
        key,
        fc.constantFrom('service.name', 'span.kind', 'error', 'otel.status_code', 'host.name'),
      ),
      value: anyValue,
    }),
    { maxLength: 4 },
  ),
});

const hex = (n: number) =>
  fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b).toString('hex'));
const id = fc.oneof(
  fc.uuid(),
  hex(16),
  hex(8),
  hex(16).map((h) => h.toUpperCase()),
  fc.string({ minLength: 1, maxLength: 40 }),
);
const micros = fc.integer({ min: 31_536_000_000_000, max: 4_102_444_800_000_000 });

/** A typed tag whose key is none of those the mapping derives from OTLP fields. */
const plainTag: fc.Arbitrary<ITag> = fc.oneof(
  text.map((vStr) => ({ vStr })),
  fc.boolean().map((vBool) => ({ type: Tag.TagType.BOOL, vBool })),
  int64.map((v) => ({ type: Tag.TagType.LONG, vLong: toLong(v) })),
  double.map((vDouble) => ({ type: Tag.TagType.DOUBLE, vDouble })),
  bytes.map((vBytes) => ({ type: Tag.TagType.BINARY, vBytes })),
);

function uniqueTags(prefix: string): fc.Arbitrary<ITag[]> {
  return fc
    .uniqueArray(fc.tuple(key, plainTag), { maxLength: 6, selector: ([k]) => k })
    .map((list) => list.map(([k, tag]) => ({ key: `${prefix}${k}`, ...tag })));
}

/**
 * A Haystack span the mapping carries over losslessly: valid, tag keys unique, the tags OTLP
 * keeps in fields (kind, status, scope) last and in the order the OTLP input writes them, a
 * BOOL `error=true` only beside `otel.status_code=ERROR`, log names first.
 */
export const losslessHaystackSpan: fc.Arbitrary<ISpan> = fc
  .record({
    traceId: id,
    spanId: id,
    parentSpanId: fc.oneof(fc.constant(''), id),
    serviceName: fc.string({ minLength: 1, maxLength: 12 }),
    operationName: fc.string({ minLength: 1, maxLength: 12 }),
    startTime: micros,
    duration: fc.integer({ min: 0, max: 3_600_000_000 }),
    tags: uniqueTags('t.'),
    kind: fc.constantFrom(undefined, 'server', 'client', 'producer', 'consumer', 'internal'),
    status: fc.constantFrom(undefined, 'OK', 'ERROR'),
    description: fc.option(fc.string({ minLength: 1, maxLength: 8 }), { nil: undefined }),
    scope: fc.option(
      fc.tuple(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 4 })),
      {
        nil: undefined,
      },
    ),
    logs: fc.array(
      fc.record({
        timestamp: micros,
        name: fc.option(fc.string({ minLength: 1, maxLength: 8 }), { nil: undefined }),
        fields: uniqueTags('f.'),
      }),
      { maxLength: 3 },
    ),
  })
  .map((s): ISpan => {
    const tags = [...s.tags];
    if (s.kind) tags.push({ key: 'span.kind', vStr: s.kind });
    if (s.status === 'ERROR') tags.push({ key: 'error', type: Tag.TagType.BOOL, vBool: true });
    if (s.status) tags.push({ key: 'otel.status_code', vStr: s.status });
    if (s.description) tags.push({ key: 'otel.status_description', vStr: s.description });
    if (s.scope) {
      tags.push({ key: 'otel.scope.name', vStr: s.scope[0] });
      if (s.scope[1]) tags.push({ key: 'otel.scope.version', vStr: s.scope[1] });
    }
    const logs: ILog[] = s.logs.map((l) => ({
      timestamp: l.timestamp,
      fields: [...(l.name ? [{ key: 'event', vStr: l.name }] : []), ...l.fields],
    }));
    return {
      traceId: s.traceId,
      spanId: s.spanId,
      parentSpanId: s.parentSpanId === '0000000000000000' ? '' : s.parentSpanId,
      serviceName: s.serviceName,
      operationName: s.operationName,
      startTime: s.startTime,
      duration: s.duration,
      logs,
      tags,
    };
  });
