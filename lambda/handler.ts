import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { type Config, loadConfig } from './config.js';
import { deadLetters } from './dead-letters.js';
import { decodeUserRecords } from './decoding.js';
import { decorateSpans } from './decorate.js';
import { batchResponse, earliestUnacknowledged, sequenceNumberOf } from './failures.js';
import { ClusterProducers } from './kafka/clusters.js';
import { describeKafkaError } from './kafka/kafka-errors.js';
import type { MessageProducer } from './kafka/producer.js';
import { routeMessages, spanMessages } from './messages.js';
import { SpanOutputs } from './outputs/span-outputs.js';
import { readRecords } from './records.js';
import { checkSpans } from './spans.js';
import {
  countBatchFailure,
  countDelivery,
  countFormats,
  countReceived,
  logger,
  metrics,
  reportRejected,
} from './telemetry.js';

/**
 * The Lambda entry point: a batch of Kinesis records in, Haystack spans out to Kafka keyed by
 * TraceId, refused records out to the dead-letter topic, and a partial batch failure response
 * naming the earliest record Kafka did not fully acknowledge, so Lambda re-delivers exactly
 * what is not stored yet.
 *
 *   event -> records -> (formats) -> spans -> (decorators) -> messages (+ routes, dead letters)
 *         -> produce -> batch response
 */
export type KinesisHandler = (
  event: KinesisStreamEvent,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
) => Promise<KinesisStreamBatchResponse>;

/** Builds the handler around warm producers; the module-level `handler` below is the deployed one. */
export function createHandler(
  config: Config,
  producer: MessageProducer = ClusterProducers.fromConfig(config),
): KinesisHandler {
  const { kafka, formats } = config;
  let coldStart = true;
  return async (event, context) => {
    const deadline =
      Date.now() + produceBudget(context.getRemainingTimeInMillis(), config.deadlineMarginMs);
    if (coldStart) metrics.captureColdStartMetric();
    coldStart = false;
    try {
      const records = Array.isArray(event?.Records) ? event.Records : [];
      const { userRecords, rejected } = readRecords(records);
      countReceived(
        records.length,
        userRecords.length,
        records.at(-1)?.kinesis?.approximateArrivalTimestamp,
      );

      const counts = { decompressed: 0, sizeLimitExceeded: 0, truncated: 0, decorated: 0 };
      const decoded = decodeUserRecords(userRecords, formats, rejected, counts);
      const valid = checkSpans(decoded, rejected);
      const { spans, routes } = decorateSpans(valid, formats, counts);
      countFormats(counts, decoded.length, userRecords.length);

      // Spans too large for any request are refused here, so dead letters are built after it.
      const outputs = new SpanOutputs(spans);
      const spanOut = spanMessages(
        outputs,
        kafka.topic,
        formats.outputFormat,
        kafka.maxBatchBytes,
        rejected,
      );
      const routed = routeMessages(outputs, routes, formats.outputFormat, kafka.maxBatchBytes);
      const letters = kafka.deadLetterTopic
        ? deadLetters(rejected, records, kafka.deadLetterTopic, kafka.maxBatchBytes)
        : [];
      const messages = spanOut.concat(routed, letters);
      reportRejected(rejected, (i) => sequenceNumberOf(records, i), kafka.deadLetterTopic);

      const started = Date.now();
      const { acknowledged, errors, skipped } = await producer.deliver(messages, deadline);
      countDelivery(valid.length, messages, acknowledged, Date.now() - started, skipped);

      const failed = earliestUnacknowledged(messages, acknowledged, records);
      if (failed !== undefined) {
        logger.error(
          'Kafka did not acknowledge every message; Lambda re-delivers from the first record not stored',
          {
            sequenceNumber: sequenceNumberOf(records, failed),
            unacknowledged: acknowledged.filter((ack) => !ack).length,
            topics: [...new Set(messages.map((m) => m.topic))],
            errors: errors.map(describeKafkaError),
          },
        );
      }
      countBatchFailure(failed !== undefined);
      return batchResponse(records, failed);
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

/**
 * Time the invocation may spend producing: the remaining time less the margin, but never less
 * than half the remaining time, so a function whose timeout is shorter than the margin still
 * gets to produce instead of failing every batch at once.
 */
export function produceBudget(remainingMs: number, marginMs: number): number {
  return Math.max(remainingMs - marginMs, remainingMs / 2);
}

/** Configuration is read at cold start: a bad variable fails the init with a message naming it. */
function configFromEnvironment(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    logger.critical('Cold start stopped: the configuration is invalid', error as Error);
    throw error;
  }
}

export const handler: KinesisHandler = createHandler(configFromEnvironment());
