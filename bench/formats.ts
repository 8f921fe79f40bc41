/**
 * Decode cost per span of each input format, and of the decorators, printed, not asserted:
 * `npx tsx bench/formats.ts`. Each case decodes a realistic record many times over; the
 * figure is spans per second on this machine, one core.
 */
import * as zlib from 'node:zlib';
import { addTags, prepareAdditionalTags } from '../lambda/decorators/additional-tags.js';
import { outputValue } from '../lambda/decorators/json-output.js';
import { matchingRoutes } from '../lambda/decorators/routes.js';
import { DEFAULT_SIZE_GUARD, guardSpanSize } from '../lambda/decorators/size-guard.js';
import { decodeRecord, type InputFormat } from '../lambda/formats/decoders.js';
import { checkSpan } from '../lambda/spans.js';
import { type ISpan, Span } from '../proto/haystack.generated.js';
import { otlp } from '../proto/otlp-trace.generated.js';

const SPANS_PER_RECORD = 50;
const MAX = 10 * 1024 * 1024;

function haystackSpan(i: number): ISpan {
  return {
    traceId: `7f0c2d3e-5b1a-4c8e-9a6f-${String(i).padStart(12, '0')}`,
    spanId: `span-${i}`,
    parentSpanId: `span-${i - 1}`,
    serviceName: 'checkout',
    operationName: 'POST /orders',
    startTime: 1_764_000_000_000_000 + i,
    duration: 12_345,
    tags: [
      { key: 'span.kind', vStr: 'server' },
      { key: 'http.method', vStr: 'POST' },
      { key: 'http.url', vStr: 'https://shop.example.com/orders?id=42' },
      { key: 'http.status_code', type: 3, vLong: 200 },
      { key: 'error', type: 2, vBool: false },
    ],
    logs: [{ timestamp: 1_764_000_000_000_100, fields: [{ key: 'event', vStr: 'cache-miss' }] }],
  };
}

function otlpSpan(i: number): otlp.ISpan {
  return {
    traceId: Buffer.from(`7f0c2d3e5b1a4c8e9a6f${String(i).padStart(12, '0')}`, 'hex'),
    spanId: Buffer.from(String(i).padStart(16, '0'), 'hex'),
    name: 'POST /orders',
    kind: 2,
    startTimeUnixNano: 1_764_000_000_000_000_000 + i * 1000,
    endTimeUnixNano: 1_764_000_000_012_345_000 + i * 1000,
    attributes: [
      { key: 'http.request.method', value: { stringValue: 'POST' } },
      { key: 'url.full', value: { stringValue: 'https://shop.example.com/orders?id=42' } },
      { key: 'http.response.status_code', value: { intValue: 200 } },
    ],
    events: [{ timeUnixNano: 1_764_000_000_000_100_000, name: 'cache-miss' }],
  };
}

const spans = Array.from({ length: SPANS_PER_RECORD }, (_, i) => haystackSpan(i));
const single = Buffer.from(Span.encode(spans[0] as ISpan).finish());
const batchRecord = Buffer.concat(
  spans.map((s) => {
    const bytes = Span.encode(s).finish();
    return Buffer.concat([Buffer.from([0x0a]), varint(bytes.length), Buffer.from(bytes)]);
  }),
);
const json = Buffer.from(
  JSON.stringify(
    spans.map((s) => ({
      ...s,
      tags: s.tags?.map((t) => ({ key: t.key, value: t.vStr ?? t.vLong ?? t.vBool })),
    })),
  ),
);
const request = otlp.ExportTraceServiceRequest.create({
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
      scopeSpans: [
        {
          scope: { name: 'bench' },
          spans: Array.from({ length: SPANS_PER_RECORD }, (_, i) => otlpSpan(i)),
        },
      ],
    },
  ],
});
const otlpProto = Buffer.from(otlp.ExportTraceServiceRequest.encode(request).finish());
const otlpJson = Buffer.from(JSON.stringify(otlpJsonOf(request)));

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return Buffer.from(out);
}

/** OTLP/JSON of a request: protobufjs' JSON with ids as hex. */
function otlpJsonOf(message: otlp.ExportTraceServiceRequest): unknown {
  const object = otlp.ExportTraceServiceRequest.toObject(message, { longs: String, bytes: String });
  const hexIds = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(hexIds);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if ((k === 'traceId' || k === 'spanId') && typeof v === 'string') {
          (node as Record<string, unknown>)[k] = Buffer.from(v, 'base64').toString('hex');
        } else hexIds(v);
      }
    }
  };
  hexIds(object);
  return object;
}

function measure(name: string, spansPerRun: number, run: () => void): void {
  for (let i = 0; i < 200; i++) run(); // warm up the JIT
  let runs = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0n;
  while (elapsed < 1_000_000_000n) {
    for (let i = 0; i < 50; i++) run();
    runs += 50;
    elapsed = process.hrtime.bigint() - start;
  }
  const perSecond = (runs * spansPerRun * 1e9) / Number(elapsed);
  console.log(
    `${name.padEnd(44)} ${Math.round(perSecond).toLocaleString('en-US').padStart(12)} spans/s`,
  );
}

function decodeCase(name: string, bytes: Buffer, format: InputFormat, count: number): void {
  const traceId = { start: 0, end: 0 };
  measure(name, count, () => {
    const decoded = decodeRecord(bytes, format, MAX);
    if (!decoded.ok) throw new Error(decoded.reason);
    for (const span of decoded.spans) if (span.ok) checkSpan(span.bytes, traceId);
  });
}

console.log(
  `node ${process.version}; records of ${SPANS_PER_RECORD} spans unless single; decode + validate`,
);
decodeCase('haystack-span (single)', single, 'haystack-span', 1);
decodeCase('haystack-span, gzip (single)', zlib.gzipSync(single), 'haystack-span', 1);
decodeCase('haystack-batch', batchRecord, 'haystack-batch', SPANS_PER_RECORD);
decodeCase('haystack-batch, gzip', zlib.gzipSync(batchRecord), 'haystack-batch', SPANS_PER_RECORD);
decodeCase('haystack-json', json, 'haystack-json', SPANS_PER_RECORD);
decodeCase('otlp-proto', otlpProto, 'otlp-proto', SPANS_PER_RECORD);
decodeCase('otlp-proto, gzip', zlib.gzipSync(otlpProto), 'otlp-proto', SPANS_PER_RECORD);
decodeCase('otlp-json', otlpJson, 'otlp-json', SPANS_PER_RECORD);

const tags = prepareAdditionalTags({ 'X-HAYSTACK-ENV': 'prod' });
const routes = [{ name: 'payments', topic: 'p', tags: { 'http.method': 'POST' } }];
const guard = { ...DEFAULT_SIZE_GUARD, enable: true, maxSizeBytes: 100 };
measure('decorator: size guard (truncating)', 1, () => guardSpanSize(single, guard));
measure('decorator: additional tags (adding one)', 1, () => addTags(single, tags));
measure('decorator: routes (one route)', 1, () => matchingRoutes(single, routes));
measure('output: json', 1, () => outputValue(single, 'json'));
