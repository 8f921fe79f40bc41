import { outputValue } from '../decorators/json-output.js';
import type { ValidSpan } from '../spans.js';
import { otlpSpanJson } from './otlp-json-writer.js';
import { otlpSpanBytes } from './otlp-proto-writer.js';
import { OutOfRange, planOtlpSpan } from './otlp-span.js';
import type { OtlpOutputFormat } from './output-formats.js';

/** One span encoded for an OTLP message, with what groups it into requests. */
export interface OtlpEncodedSpan {
  /** The OTLP trace id's lowercase hex: the Kafka key OpenTelemetry's consumers expect. */
  traceHex: string;
  serviceName: string;
  scopeName: string;
  scopeVersion: string;
  /** The `Span` message (otlp-proto) or its JSON object (otlp-json). */
  encoded: Buffer | string;
  /** Bytes it adds to a message. */
  bytes: number;
}

/**
 * The valid spans of one invocation in every output format asked for, each encoded at most
 * once however many outputs (the main topic, routes) want it. Also remembers which spans the
 * main output refused, so no route carries a span that was dead-lettered.
 */
export class SpanOutputs {
  /** Positions of spans the main output refused (too large, or not writable as OTLP). */
  readonly refused = new Set<number>();
  private readonly json: Array<Buffer | undefined> = [];
  private readonly otlp = new Map<OtlpOutputFormat, Array<OtlpEncodedSpan | null | undefined>>();

  constructor(readonly spans: readonly ValidSpan[]) {}

  /** The span's value in a per-span format. */
  value(index: number, format: 'proto' | 'json'): Buffer {
    const { data } = (this.spans[index] as ValidSpan).record;
    if (format === 'proto') return data;
    let value = this.json[index];
    if (value === undefined) {
      value = outputValue(data, 'json');
      this.json[index] = value;
    }
    return value;
  }

  /** The span encoded for an OTLP format, or null when OTLP cannot hold it (a time past 2554). */
  otlpSpan(index: number, format: OtlpOutputFormat): OtlpEncodedSpan | null {
    let cache = this.otlp.get(format);
    if (cache === undefined) {
      cache = [];
      this.otlp.set(format, cache);
    }
    let span = cache[index];
    if (span === undefined) {
      span = encodeOtlp((this.spans[index] as ValidSpan).record.data, format);
      cache[index] = span;
    }
    return span;
  }
}

function encodeOtlp(data: Buffer, format: OtlpOutputFormat): OtlpEncodedSpan | null {
  const plan = planOtlpSpan(data);
  if (plan === undefined) return null; // not reached: validation parsed the span already
  try {
    const encoded = format === 'otlp-proto' ? otlpSpanBytes(plan) : otlpSpanJson(plan);
    return {
      traceHex: plan.traceId.toString('hex'),
      serviceName: plan.view.serviceName,
      scopeName: plan.scopeName,
      scopeVersion: plan.scopeVersion,
      encoded,
      bytes: typeof encoded === 'string' ? Buffer.byteLength(encoded) + 1 : encoded.length + 6,
    };
  } catch (error) {
    if (error instanceof OutOfRange) return null;
    throw error;
  }
}
