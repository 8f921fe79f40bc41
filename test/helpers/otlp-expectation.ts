import { createHash } from 'node:crypto';
import { fromLong, type Long } from '../../lambda/formats/int64.js';
import type { ILog, ISpan, ITag } from '../../proto/haystack.generated.js';
import { otlp } from '../../proto/otlp-trace.generated.js';

/**
 * docs/haystack-to-otlp.md written out a second time, independently of lambda/outputs/: what
 * an OpenTelemetry consumer must see for a Haystack span, in a normal form both sides are
 * brought to (what the Collector's file exporter wrote, and this expectation), so the two
 * compare as plain values.
 */
export interface NormalSpan {
  service: string;
  scope: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  start: string;
  end: string;
  /** `[key, "<type>:<value>"]` in order. */
  attributes: string[][];
  events: Array<[string, string, string[][]]>;
  status: [number, string];
}

const sha = (text: string, bytes: number) =>
  createHash('sha256')
    .update(text, 'utf8')
    .digest('hex')
    .slice(0, bytes * 2);
const isZero = (hex: string) => /^0*$/.test(hex);

function traceHex(id: string): string {
  let hex: string | undefined;
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
    hex = id.replaceAll('-', '').toLowerCase();
  } else if (/^[0-9a-f]{32}$/i.test(id)) hex = id.toLowerCase();
  else if (/^[0-9a-f]{16}$/i.test(id)) hex = `0000000000000000${id.toLowerCase()}`;
  return hex === undefined || isZero(hex) ? sha(id, 16) : hex;
}

function spanHex(id: string): string {
  const hex = /^[0-9a-f]{16}$/i.test(id) ? id.toLowerCase() : undefined;
  return hex === undefined || isZero(hex) ? sha(id, 8) : hex;
}

function parentHex(id: string): string {
  return id === '' || /^0{16}$/.test(id) ? '' : spanHex(id);
}

const KINDS: Record<string, number> = {
  internal: 1,
  server: 2,
  client: 3,
  producer: 4,
  consumer: 5,
};
const micros = (v: number | Long | null | undefined) => fromLong(v ?? 0);

function typed(tag: ITag): string {
  const t = tag as ITag & { myvalue?: string };
  const member = t.myvalue ?? ['vStr', 'vDouble', 'vBool', 'vLong', 'vBytes'][tag.type ?? 0];
  switch (member) {
    case 'vLong':
      return `i:${fromLong(tag.vLong ?? 0)}`;
    case 'vDouble':
      return `d:${tag.vDouble ?? 0}`;
    case 'vBool':
      return `b:${tag.vBool === true}`;
    case 'vBytes':
      return `x:${Buffer.from(tag.vBytes ?? []).toString('base64')}`;
    default:
      return `s:${tag.vStr ?? ''}`;
  }
}

function attributes(tags: readonly ITag[], seen: Set<string>): string[][] {
  const out: string[][] = [];
  for (const tag of tags) {
    const key = tag.key ?? '';
    if (seen.has(key)) continue;
    seen.add(key);
    out.push([key, typed(tag)]);
  }
  return out;
}

/** The OTLP span a Haystack span (decoded by protobufjs) must arrive as. */
export function expectedOtlpSpan(span: ISpan): NormalSpan {
  const traceId = span.traceId ?? '';
  const spanId = span.spanId ?? '';
  const parent = span.parentSpanId ?? '';
  const ids: string[][] = [];
  if (traceHex(traceId) !== traceId) ids.push(['haystack.trace_id', `s:${traceId}`]);
  if (spanHex(spanId) !== spanId) ids.push(['haystack.span_id', `s:${spanId}`]);
  if (parentHex(parent) !== parent) ids.push(['haystack.parent_span_id', `s:${parent}`]);

  const tags = [...(span.tags ?? [])];
  const str = (t: ITag) => ((t as { myvalue?: string }).myvalue === 'vStr' ? t.vStr : undefined);
  const first = (key: string, ok: (t: ITag) => boolean) => tags.find((t) => t.key === key && ok(t));
  const kindTag = first('span.kind', (t) => KINDS[str(t) ?? ''] !== undefined);
  const codeTag = first('otel.status_code', (t) => str(t) === 'OK' || str(t) === 'ERROR');
  const messageTag = first('otel.status_description', (t) => str(t) !== undefined);
  const errorTag = tags.find(
    (t) =>
      t.key === 'error' && ['vStr', 'vBool'].includes((t as { myvalue?: string }).myvalue ?? ''),
  );
  const failed =
    errorTag !== undefined &&
    ((errorTag as { myvalue?: string }).myvalue === 'vBool'
      ? errorTag.vBool === true
      : (errorTag.vStr ?? '').toLowerCase() === 'true');
  const code = codeTag ? (str(codeTag) === 'OK' ? 1 : 2) : failed ? 2 : 0;
  const scopeName = first('otel.scope.name', (t) => str(t) !== undefined);
  const scopeVersion = first('otel.scope.version', (t) => str(t) !== undefined);
  const consumed = new Set([kindTag, codeTag, messageTag, scopeName, scopeVersion]);
  if (errorTag && (errorTag as { myvalue?: string }).myvalue === 'vBool' && failed && code === 2) {
    consumed.add(errorTag);
  }
  const start = micros(span.startTime);
  return {
    service: span.serviceName ?? '',
    scope: `${scopeName ? str(scopeName) : ''}/${scopeVersion ? str(scopeVersion) : ''}`,
    traceId: traceHex(traceId),
    spanId: spanHex(spanId),
    parentSpanId: parentHex(parent),
    name: span.operationName ?? '',
    kind: kindTag ? (KINDS[str(kindTag) ?? ''] as number) : 0,
    start: `${start * 1000n}`,
    end: `${(start + micros(span.duration)) * 1000n}`,
    attributes: [
      ...ids,
      ...attributes(
        tags.filter((t) => !consumed.has(t)),
        new Set(ids.map(([k]) => k as string)),
      ),
    ],
    events: (span.logs ?? []).map((log: ILog) => {
      const fields = log.fields ?? [];
      const name = fields.find((f) => f.key === 'event' && (str(f) ?? '') !== '');
      return [
        `${micros(log.timestamp) * 1000n}`,
        name ? (str(name) as string) : '',
        attributes(
          fields.filter((f) => f !== name),
          new Set(),
        ),
      ];
    }),
    status: [code, messageTag ? (str(messageTag) as string) : ''],
  };
}

type Json = Record<string, unknown>;

function anyValue(value: Json | undefined): string {
  if (value === undefined) return 's:';
  if ('stringValue' in value) return `s:${value.stringValue}`;
  if ('intValue' in value) return `i:${value.intValue}`;
  if ('doubleValue' in value) return `d:${Number(value.doubleValue)}`;
  if ('boolValue' in value) return `b:${value.boolValue}`;
  if ('bytesValue' in value) return `x:${value.bytesValue}`;
  return 's:';
}

const keyValues = (list: unknown) =>
  ((list as Json[] | undefined) ?? []).map((kv) => [String(kv.key), anyValue(kv.value as Json)]);

/** Every span of an OTLP/JSON document (one line of the file exporter), in normal form. */
export function normalSpans(document: Json): NormalSpan[] {
  const out: NormalSpan[] = [];
  for (const rs of (document.resourceSpans as Json[] | undefined) ?? []) {
    const resource = keyValues((rs.resource as Json | undefined)?.attributes);
    const service = resource.find(([k]) => k === 'service.name')?.[1]?.slice(2) ?? '';
    for (const ss of (rs.scopeSpans as Json[] | undefined) ?? []) {
      const scope = (ss.scope as Json | undefined) ?? {};
      for (const s of (ss.spans as Json[] | undefined) ?? []) {
        const status = (s.status as Json | undefined) ?? {};
        out.push({
          service,
          scope: `${scope.name ?? ''}/${scope.version ?? ''}`,
          traceId: String(s.traceId ?? ''),
          spanId: String(s.spanId ?? ''),
          parentSpanId: String(s.parentSpanId ?? ''),
          name: String(s.name ?? ''),
          kind: Number(s.kind ?? 0),
          start: String(s.startTimeUnixNano ?? '0'),
          end: String(s.endTimeUnixNano ?? '0'),
          attributes: keyValues(s.attributes),
          events: ((s.events as Json[] | undefined) ?? []).map((e) => [
            String(e.timeUnixNano ?? '0'),
            String(e.name ?? ''),
            keyValues(e.attributes),
          ]),
          status: [Number(status.code ?? 0), String(status.message ?? '')],
        });
      }
    }
  }
  return out;
}

/**
 * Every span of one Kafka message of the OTLP output, in normal form: `otlp-json` is an OTLP/JSON
 * document already; `otlp-proto` is decoded by protobufjs' generated code and brought to the
 * same JSON shape (ids as hex, 64-bit values as decimal strings, bytes as base64).
 */
export function messageSpans(value: Buffer, format: 'otlp-proto' | 'otlp-json'): NormalSpan[] {
  if (format === 'otlp-json') return normalSpans(JSON.parse(value.toString('utf8')));
  const request = otlp.ExportTraceServiceRequest.toObject(
    otlp.ExportTraceServiceRequest.decode(value),
    { longs: String, enums: Number, bytes: String },
  );
  const hex = (base64: unknown) => Buffer.from(String(base64 ?? ''), 'base64').toString('hex');
  for (const rs of (request.resourceSpans as Json[] | undefined) ?? []) {
    for (const ss of (rs.scopeSpans as Json[] | undefined) ?? []) {
      for (const span of (ss.spans as Json[] | undefined) ?? []) {
        span.traceId = hex(span.traceId);
        span.spanId = hex(span.spanId);
        span.parentSpanId = hex(span.parentSpanId);
      }
    }
  }
  return normalSpans(request);
}
