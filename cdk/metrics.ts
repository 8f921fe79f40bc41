import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

/**
 * The function's own metrics, as it writes them in CloudWatch EMF (lambda/telemetry.ts): one
 * namespace, one dimension `service`. The names must match the function's; a test holds them
 * together.
 */
export const SpanMetric = {
  records: 'kinesis.records',
  validSpans: 'valid.span',
  invalidSpans: 'invalid.span',
  producedSpans: 'produced.span',
  produceFailures: 'produce.failure.span',
  /** Messages kafkajs resolved without writing (kafkajs #1303), caught and sent again; only when non-zero. */
  skippedSpans: 'kafkajs.skipped.span',
  /** Refused records the dead-letter topic (KAFKA_DLQ_TOPIC) acknowledged. */
  deadLetteredSpans: 'dead-lettered.span',
  batchFailures: 'batch.failure',
  produceTime: 'kafka.produce.time',
  lag: 'kinesis.processing.lag',
  /** Spans read out of records; only written when it differs from user records (batches, JSON, OTLP). */
  decodedSpans: 'decoded.span',
  /** Records that were gzip or zlib. */
  decompressedRecords: 'decompressed.record',
  /** Spans over the size guard's limit. */
  sizeLimitExceeded: 'sizeLimitExceeded.span',
  /** Spans whose tags the size guard truncated. */
  truncatedSpans: 'truncated.span',
  /** Spans that got at least one of the additional tags. */
  decoratedSpans: 'decorated.span',
  /** Route messages Kafka acknowledged; per route as `routed.span.<name>` ({@link routedSpansOf}). */
  routedSpans: 'routed.span',
  /** Route messages Kafka did not acknowledge in time; their records come back. */
  routeFailures: 'routed.failure.span',
} as const;

/** The metric counting the acknowledged messages of one route. */
export function routedSpansOf(route: string): string {
  return `${SpanMetric.routedSpans}.${route}`;
}

/** Builds CloudWatch metrics on the collector's EMF namespace and `service` dimension. */
export class SpanMetrics {
  constructor(
    private readonly namespace: string,
    private readonly service: string,
  ) {}

  metric(name: string, statistic: string, period = Duration.minutes(5)): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.namespace,
      metricName: name,
      dimensionsMap: { service: this.service },
      statistic,
      period,
    });
  }

  sum(name: string, period?: Duration): cloudwatch.Metric {
    return this.metric(name, cloudwatch.Stats.SUM, period);
  }
}

/**
 * The event source mapping's own counts (`MetricsConfig` `EventCount`), in `AWS/Lambda` by the
 * dimension `EventSourceMappingUUID` (AWS Lambda Developer Guide, "Event source mapping
 * metrics"). Kinesis mappings write these five; `FilteredOutEventCount` needs a filter and
 * `DeletedEventCount` is SQS's.
 */
export const MappingMetric = {
  /** Records read from the stream (0 for an empty poll). */
  polled: 'PolledEventCount',
  /** Records the function was invoked with; retries count again. */
  invoked: 'InvokedEventCount',
  /** Records of invocations that failed, including those named in `batchItemFailures`. */
  failedInvoke: 'FailedInvokeEventCount',
  /** Records given up on and not delivered to the on-failure destination. */
  dropped: 'DroppedEventCount',
  /** Records given up on and delivered to the on-failure destination. */
  onFailureDelivered: 'OnFailureDestinationDeliveredEventCount',
} as const;

/** The sum of one of the mapping's own metrics ({@link MappingMetric}). */
export function mappingMetric(
  mappingUuid: string,
  name: (typeof MappingMetric)[keyof typeof MappingMetric],
  period = Duration.minutes(5),
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/Lambda',
    metricName: name,
    dimensionsMap: { EventSourceMappingUUID: mappingUuid },
    statistic: cloudwatch.Stats.SUM,
    period,
  });
}
