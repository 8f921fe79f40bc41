import type { KinesisStreamEvent } from 'aws-lambda';
import { toLong } from '../../lambda/formats/int64.js';
import { KINDS } from '../../lambda/outputs/otlp-span.js';
import { toLambdaRecord } from '../../local/esm/lambda-record.js';
import { memorySequenceNumber } from '../../local/esm/memory-shard.js';
import { type ISpan, type ITag, Span } from '../../proto/haystack.generated.js';
import { otlp } from '../../proto/otlp-trace.generated.js';

/**
 * The benchmark's spans as records of every input format, `perRecord` spans each, so each
 * format carries the very same spans: Haystack `Batch`, Haystack's HTTP JSON, and OTLP as the
 * OpenTelemetry Collector's Kinesis exporter writes it (one `ExportTraceServiceRequest` per
 * record), in protobuf and in OTLP/JSON. The OTLP spans are what an OpenTelemetry SDK would
 * have sent for them: 16/8-byte ids, attributes, events, a resource per service.
 */

const ORIGIN = {
  shardId: 'shardId-000000000000',
  streamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/bench',
};

/** Records as one Lambda event. */
export function recordsEvent(records: readonly Buffer[]): KinesisStreamEvent {
  return {
    Records: records.map((data, i) =>
      toLambdaRecord(
        {
          data,
          sequenceNumber: memorySequenceNumber(i),
          partitionKey: `pk-${i}`,
          arrivalMs: Date.now(),
        },
        ORIGIN,
      ),
    ),
  };
}

function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** Haystack `Batch` records. */
export function batchRecords(spans: readonly Buffer[], perRecord: number): Buffer[] {
  return chunks(spans, perRecord).map((group) =>
    Buffer.concat(group.flatMap((s) => [Buffer.from([0x0a]), varint(s.length), s])),
  );
}

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

/** Haystack HTTP collector JSON records: arrays of span objects, tag values typed by JSON. */
export function haystackJsonRecords(spans: readonly Buffer[], perRecord: number): Buffer[] {
  const tag = (t: ITag) => ({
    key: t.key,
    value:
      t.vStr ??
      (t.vLong !== undefined && t.vLong !== null ? Number(t.vLong) : (t.vDouble ?? t.vBool ?? '')),
  });
  return chunks(spans, perRecord).map((group) =>
    Buffer.from(
      JSON.stringify(
        group.map((bytes) => {
          const s = Span.toObject(Span.decode(bytes), { longs: Number }) as ISpan;
          return {
            ...s,
            tags: (s.tags ?? []).map(tag),
            logs: (s.logs ?? []).map((l) => ({
              timestamp: l.timestamp,
              fields: (l.fields ?? []).map(tag),
            })),
          };
        }),
      ),
    ),
  );
}

function anyValue(t: ITag): otlp.IAnyValue {
  if (t.vLong !== undefined && t.vLong !== null) return { intValue: t.vLong };
  if (t.vDouble !== undefined && t.vDouble !== null) return { doubleValue: t.vDouble };
  if (t.vBool !== undefined && t.vBool !== null) return { boolValue: t.vBool };
  if (t.vBytes !== undefined && t.vBytes !== null) return { bytesValue: t.vBytes };
  return { stringValue: t.vStr ?? '' };
}

const uuidBytes = (id: string) => Buffer.from(id.replaceAll('-', ''), 'hex');

function otlpSpan(s: Span): otlp.ISpan {
  const start = BigInt(String(s.startTime)) * 1000n;
  const tags = s.tags.filter((t) => t.key !== 'span.kind' && t.key !== 'error');
  const kind = s.tags.find((t) => t.key === 'span.kind')?.vStr ?? '';
  const failed = s.tags.some((t) => t.key === 'error' && t.vBool === true);
  return {
    traceId: uuidBytes(s.traceId),
    spanId: uuidBytes(s.spanId).subarray(0, 8),
    parentSpanId: s.parentSpanId ? uuidBytes(s.parentSpanId).subarray(0, 8) : new Uint8Array(),
    name: s.operationName,
    kind: KINDS[kind] ?? 0,
    startTimeUnixNano: toLong(start),
    endTimeUnixNano: toLong(start + BigInt(String(s.duration)) * 1000n),
    attributes: tags.map((t) => ({ key: t.key, value: anyValue(t) })),
    events: s.logs.map((l) => ({
      timeUnixNano: toLong(BigInt(String(l.timestamp)) * 1000n),
      name: (l.fields ?? []).find((f) => f.key === 'event')?.vStr ?? '',
      attributes: (l.fields ?? [])
        .filter((f) => f.key !== 'event')
        .map((f) => ({ key: f.key, value: anyValue(f) })),
    })),
    status: failed ? { code: 2 } : {},
  };
}

/** OTLP requests of `perRecord` spans, one `ResourceSpans` per service, as protobufjs messages. */
export function otlpRequests(
  spans: readonly Buffer[],
  perRecord: number,
): otlp.ExportTraceServiceRequest[] {
  return chunks(spans, perRecord).map((group) => {
    const byService = new Map<string, otlp.ISpan[]>();
    for (const bytes of group) {
      const s = Span.decode(bytes);
      const list = byService.get(s.serviceName) ?? [];
      list.push(otlpSpan(s));
      byService.set(s.serviceName, list);
    }
    return otlp.ExportTraceServiceRequest.create({
      resourceSpans: [...byService].map(([service, list]) => ({
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: service } },
            { key: 'host.name', value: { stringValue: `${service}-7d9f8c6b5-x2k4q` } },
          ],
        },
        scopeSpans: [{ scope: { name: 'io.opentelemetry.http', version: '2.10.0' }, spans: list }],
      })),
    });
  });
}

export function otlpProtoRecords(requests: readonly otlp.ExportTraceServiceRequest[]): Buffer[] {
  return requests.map((r) => Buffer.from(otlp.ExportTraceServiceRequest.encode(r).finish()));
}

/** OTLP/JSON: protobuf JSON with hex ids, as the OTLP specification writes it. */
export function otlpJsonRecords(requests: readonly otlp.ExportTraceServiceRequest[]): Buffer[] {
  return requests.map((request) => {
    const object = otlp.ExportTraceServiceRequest.toObject(request, {
      longs: String,
      bytes: String,
    });
    const hexIds = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(hexIds);
      else if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          if (
            (k === 'traceId' || k === 'spanId' || k === 'parentSpanId') &&
            typeof v === 'string'
          ) {
            (node as Record<string, unknown>)[k] = Buffer.from(v, 'base64').toString('hex');
          } else hexIds(v);
        }
      }
    };
    hexIds(object);
    return Buffer.from(JSON.stringify(object));
  });
}
