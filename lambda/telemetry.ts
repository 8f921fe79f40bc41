import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Reason, Rejected } from './rejections.js';

/**
 * Logs and metrics. Logs are structured JSON with nothing per span at info level; metrics are
 * CloudWatch EMF lines written to stdout (no API calls, no extra latency). Service name and
 * namespace come from `POWERTOOLS_SERVICE_NAME` / `POWERTOOLS_METRICS_NAMESPACE`; the log level
 * from `POWERTOOLS_LOG_LEVEL` or Lambda's own log-level setting.
 */

const serviceName = process.env.POWERTOOLS_SERVICE_NAME || 'haystack-kinesis-collector';

export const logger = new Logger({ serviceName });
export const metrics = new Metrics({
  serviceName,
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || 'Haystack',
});

/** Metric names, mirroring the original collector's where one existed. */
export const MetricName = {
  /** Kinesis records received (the original's `kinesis.ingestion-success`). */
  records: 'kinesis.records',
  /** User records after KPL de-aggregation. */
  userRecords: 'kinesis.user-records',
  /** Milliseconds from the last record's arrival in Kinesis to its processing (as the original). */
  lag: 'kinesis.processing.lag',
  /** Spans that passed validation (as the original). */
  validSpans: 'valid.span',
  /** Records refused for good, in total and per reason as `invalid.span.<reason>` (as the original, plus reasons). */
  invalidSpans: 'invalid.span',
  /** Spans acknowledged by Kafka. */
  producedSpans: 'produced.span',
  /** Refused records whose dead letter Kafka acknowledged. */
  deadLettered: 'dead-lettered.span',
  /** Messages (spans and dead letters) Kafka did not acknowledge in time; their records are re-delivered. */
  produceFailures: 'produce.failure.span',
  /** Invocations that answered with a partial batch failure. */
  batchFailures: 'batch.failure',
  /** Milliseconds spent producing to Kafka, connect included. */
  produceTime: 'kafka.produce.time',
} as const;

/** How many examples of rejected records one invocation logs; counts are always complete. */
const REJECTION_EXAMPLES = 10;

export function countReceived(
  records: number,
  userRecords: number,
  lastArrivalSeconds?: number,
): void {
  metrics.addMetric(MetricName.records, MetricUnit.Count, records);
  metrics.addMetric(MetricName.userRecords, MetricUnit.Count, userRecords);
  if (lastArrivalSeconds !== undefined && Number.isFinite(lastArrivalSeconds)) {
    const lag = Math.max(0, Date.now() - lastArrivalSeconds * 1000);
    metrics.addMetric(MetricName.lag, MetricUnit.Milliseconds, lag);
  }
}

/**
 * Counts and logs the refused records of one invocation: one warning with counts per reason
 * and a few examples (sequence number, sub-record, reason), never one line per span.
 */
export function reportRejected(
  rejected: readonly Rejected[],
  sequenceNumberOf: (recordIndex: number) => string | undefined,
  deadLetterTopic: string | undefined,
): void {
  metrics.addMetric(MetricName.invalidSpans, MetricUnit.Count, rejected.length);
  if (rejected.length === 0) return;
  const byReason = new Map<Reason, number>();
  for (const { reason } of rejected) byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
  for (const [reason, count] of byReason) {
    metrics.addMetric(`${MetricName.invalidSpans}.${reason}`, MetricUnit.Count, count);
  }
  logger.warn('Invalid spans refused; they are not retried', {
    invalid: rejected.length,
    deadLetterTopic: deadLetterTopic ?? 'none (dead letters are off: counted and logged only)',
    byReason: Object.fromEntries(byReason),
    examples: rejected.slice(0, REJECTION_EXAMPLES).map(({ recordIndex, subIndex, reason }) => ({
      sequenceNumber: sequenceNumberOf(recordIndex),
      subIndex,
      reason,
    })),
  });
}

export function countDelivery(
  valid: number,
  produced: number,
  deadLettered: number,
  failed: number,
  produceMs: number,
): void {
  metrics.addMetric(MetricName.validSpans, MetricUnit.Count, valid);
  metrics.addMetric(MetricName.producedSpans, MetricUnit.Count, produced);
  metrics.addMetric(MetricName.deadLettered, MetricUnit.Count, deadLettered);
  metrics.addMetric(MetricName.produceFailures, MetricUnit.Count, failed);
  metrics.addMetric(MetricName.produceTime, MetricUnit.Milliseconds, produceMs);
}

export function countBatchFailure(failed: boolean): void {
  metrics.addMetric(MetricName.batchFailures, MetricUnit.Count, failed ? 1 : 0);
}
