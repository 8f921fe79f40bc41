import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { OutgoingMessage } from './messages.js';
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
  /**
   * Messages a resolved kafkajs send had not written (kafkajs #1303, a leader moved during the
   * send), caught by the per-partition check and sent again (or, past the deadline, named).
   */
  skipped: 'kafkajs.skipped.span',
  /** Invocations that answered with a partial batch failure. */
  batchFailures: 'batch.failure',
  /** Milliseconds spent producing to Kafka, connect included. */
  produceTime: 'kafka.produce.time',
  /** Records that were gzip or zlib compressed. */
  decompressed: 'decompressed.record',
  /** Spans read out of records (equal to user records for `haystack-span`). */
  decodedSpans: 'decoded.span',
  /** Spans over the size guard's limit (as the original). */
  sizeLimitExceeded: 'sizeLimitExceeded.span',
  /** Spans whose tags the size guard cut. */
  truncated: 'truncated.span',
  /** Spans that got at least one of `ADDITIONAL_TAGS`. */
  decorated: 'decorated.span',
  /** Route messages Kafka acknowledged, in total and per route as `routed.span.<name>`. */
  routed: 'routed.span',
  /** Route messages Kafka did not acknowledge in time; their records come back. */
  routeFailures: 'routed.failure.span',
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

/**
 * Counts what Kafka acknowledged, by kind of message (and per route), how long it took, and
 * what kafkajs skipped (only when it did: a healthy cluster emits no such metric). Counts are of
 * spans: an OTLP message carries a trace's spans (`OutgoingMessage.spans`).
 */
export function countDelivery(
  valid: number,
  messages: readonly OutgoingMessage[],
  acknowledged: readonly boolean[],
  produceMs: number,
  skipped = 0,
): void {
  let produced = 0;
  let deadLettered = 0;
  let routeFailures = 0;
  let failed = 0;
  const routed = new Map<string, number>();
  for (let i = 0; i < messages.length; i++) {
    const { kind, route, spans = 1 } = messages[i] as OutgoingMessage;
    if (!acknowledged[i]) failed += spans;
    if (kind === 'span') {
      if (acknowledged[i]) produced += spans;
    } else if (kind === 'dead-letter') {
      if (acknowledged[i]) deadLettered++;
    } else if (acknowledged[i]) {
      routed.set(route ?? '', (routed.get(route ?? '') ?? 0) + spans);
    } else {
      routeFailures += spans;
    }
  }
  metrics.addMetric(MetricName.validSpans, MetricUnit.Count, valid);
  metrics.addMetric(MetricName.producedSpans, MetricUnit.Count, produced);
  metrics.addMetric(MetricName.deadLettered, MetricUnit.Count, deadLettered);
  metrics.addMetric(MetricName.produceFailures, MetricUnit.Count, failed);
  metrics.addMetric(MetricName.produceTime, MetricUnit.Milliseconds, produceMs);
  if (skipped > 0) metrics.addMetric(MetricName.skipped, MetricUnit.Count, skipped);
  if (routed.size > 0 || routeFailures > 0) countRoutes(routed, routeFailures);
}

/** Counts the format and decorator steps, only when they did anything: the default path emits none. */
export function countFormats(
  counts: { decompressed: number; sizeLimitExceeded: number; truncated: number; decorated: number },
  decodedSpans: number,
  userRecords: number,
): void {
  if (decodedSpans !== userRecords)
    metrics.addMetric(MetricName.decodedSpans, MetricUnit.Count, decodedSpans);
  if (counts.decompressed > 0)
    metrics.addMetric(MetricName.decompressed, MetricUnit.Count, counts.decompressed);
  if (counts.sizeLimitExceeded > 0) {
    metrics.addMetric(MetricName.sizeLimitExceeded, MetricUnit.Count, counts.sizeLimitExceeded);
    logger.warn('Spans over the size limit', { ...counts });
  }
  if (counts.truncated > 0)
    metrics.addMetric(MetricName.truncated, MetricUnit.Count, counts.truncated);
  if (counts.decorated > 0)
    metrics.addMetric(MetricName.decorated, MetricUnit.Count, counts.decorated);
}

/** Counts route messages acknowledged (in total and per route) and not. */
function countRoutes(acknowledgedByRoute: ReadonlyMap<string, number>, failed: number): void {
  let total = 0;
  for (const [name, count] of acknowledgedByRoute) {
    metrics.addMetric(`${MetricName.routed}.${name}`, MetricUnit.Count, count);
    total += count;
  }
  metrics.addMetric(MetricName.routed, MetricUnit.Count, total);
  metrics.addMetric(MetricName.routeFailures, MetricUnit.Count, failed);
}

export function countBatchFailure(failed: boolean): void {
  metrics.addMetric(MetricName.batchFailures, MetricUnit.Count, failed ? 1 : 0);
}
