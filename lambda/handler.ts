import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { type Config, loadConfig } from './config.js';
import { batchResponse, earliestUnacknowledged } from './failures.js';
import { spanMessages } from './messages.js';
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
 * TraceId, and a partial batch failure response naming the earliest record Kafka did not
 * acknowledge, so Lambda re-delivers exactly what is not stored yet.
 *
 *   event -> records -> spans -> messages -> produce -> batch response
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
  let coldStart = true;
  return async (event, context) => {
    const deadline = Date.now() + context.getRemainingTimeInMillis() - config.deadlineMarginMs;
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
      const messages = spanMessages(
        spans,
        config.kafka.topic,
        config.kafka.maxBatchBytes,
        rejected,
      );
      reportRejected(rejected, (i) => records[i]?.kinesis?.sequenceNumber);

      const started = Date.now();
      const { acknowledged, errors } = await producer.deliver(messages, deadline);
      const produced = acknowledged.filter(Boolean).length;
      countDelivery(spans.length, produced, messages.length - produced, Date.now() - started);

      const failed = earliestUnacknowledged(messages, acknowledged);
      if (failed !== undefined) {
        logger.error(
          'Kafka did not acknowledge every span; Lambda re-delivers from the first record not stored',
          {
            sequenceNumber: records[failed]?.kinesis.sequenceNumber,
            unacknowledged: messages.length - produced,
            errors: errors.map(({ name, message }) => ({ name, message })),
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
