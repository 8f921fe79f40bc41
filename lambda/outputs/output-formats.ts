/**
 * What a span becomes on its way to Kafka (`OUTPUT_FORMAT`, and each route's `output`):
 *
 * - `proto` (default): the Haystack span's bytes, untouched unless a decorator changed it;
 * - `json`: the original collector's JSON of the span (decorators/json-output.ts);
 * - `otlp-proto`, `otlp-json`: OpenTelemetry, one `ExportTraceServiceRequest` per trace of
 *   an invocation, keyed by the OTLP trace id's hex (docs/haystack-to-otlp.md).
 */
export type OutputFormat = 'proto' | 'json' | 'otlp-proto' | 'otlp-json';

export const OUTPUT_FORMATS: readonly OutputFormat[] = ['proto', 'json', 'otlp-proto', 'otlp-json'];

/** The OTLP output formats: one message per trace rather than per span. */
export type OtlpOutputFormat = Extract<OutputFormat, `otlp-${string}`>;

export function isOtlp(format: OutputFormat): format is OtlpOutputFormat {
  return format === 'otlp-proto' || format === 'otlp-json';
}
