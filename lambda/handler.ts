import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { type Config, loadConfig } from './config.js';
import { deadLetters } from './dead-letters.js';
import { batchResponse, earliestUnacknowledged, sequenceNumberOf } from './failures.js';
import { describeKafkaError } from './kafka-errors.js';
import { type OutgoingMessage, spanMessages } from './messages.js';
import { type MessageProducer, WarmProducer } from './producer.js';
import { readRecords } from './records.js';
import { checkSpans } from './spans.js';
import {
  countBatchFailure,
  countDelivery,
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
 *   event -> records -> spans -> messages (+ dead letters) -> produce -> batch response
 */
export type KinesisHandler = (
  event: KinesisStreamEvent,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
) => Promise<KinesisStreamBatchResponse>;

/** Builds the handler around one warm producer; the module-level `handler` below is the deployed one. */
export function createHandler(
  config: Config,
  producer: MessageProducer = new WarmProducer(config.kafka),
): KinesisHandler {
  const { kafka } = config;
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

      const spans = checkSpans(userRecords, rejected);
      const spanOut = spanMessages(spans, kafka.topic, kafka.maxBatchBytes, rejected);
      const letters = kafka.deadLetterTopic
        ? deadLetters(rejected, records, kafka.deadLetterTopic, kafka.maxBatchBytes)
        : [];
      reportRejected(rejected, (i) => sequenceNumberOf(records, i), kafka.deadLetterTopic);

      const messages = spanOut.concat(letters);
      const started = Date.now();
      const { acknowledged, errors } = await producer.deliver(messages, deadline);
      const acked = countAcknowledged(messages, acknowledged, kafka.topic);
      countDelivery(
        spans.length,
        acked.spans,
        acked.letters,
        messages.length - acked.spans - acked.letters,
        Date.now() - started,
      );

      const failed = earliestUnacknowledged(messages, acknowledged);
      if (failed !== undefined) {
        logger.error(
          'Kafka did not acknowledge every message; Lambda re-delivers from the first record not stored',
          {
            sequenceNumber: sequenceNumberOf(records, failed),
            unacknowledged: messages.length - acked.spans - acked.letters,
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

function countAcknowledged(
  messages: readonly OutgoingMessage[],
  acknowledged: readonly boolean[],
  spanTopic: string,
) {
  let spans = 0;
  let letters = 0;
  for (let i = 0; i < messages.length; i++) {
    if (!acknowledged[i]) continue;
    if ((messages[i] as OutgoingMessage).topic === spanTopic) spans++;
    else letters++;
  }
  return { spans, letters };
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
