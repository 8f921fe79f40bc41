import type { KinesisStreamBatchResponse, KinesisStreamRecord } from 'aws-lambda';
import type { OutgoingMessage } from './messages.js';

/**
 * Acknowledgements -> the partial batch failure response.
 *
 * Lambda checkpoints before the lowest sequence number reported and re-delivers everything
 * from there, so naming the earliest record with any unacknowledged message is both necessary
 * (it and all after it come back) and sufficient. Records before it were fully acknowledged
 * or refused for good. Records of one event come from one shard, in sequence order, so
 * "earliest" is the lowest position in the event.
 */
export function earliestUnacknowledged(
  messages: readonly OutgoingMessage[],
  acknowledged: readonly boolean[],
): number | undefined {
  let earliest: number | undefined;
  for (let i = 0; i < messages.length; i++) {
    if (acknowledged[i]) continue;
    const { recordIndex } = messages[i] as OutgoingMessage;
    if (earliest === undefined || recordIndex < earliest) earliest = recordIndex;
  }
  return earliest;
}

/**
 * The response Lambda reads with `ReportBatchItemFailures`. Always the exact key
 * `batchItemFailures`: a misspelled key would be read as success and lose the batch.
 */
export function batchResponse(
  records: readonly KinesisStreamRecord[],
  failedRecordIndex: number | undefined,
): KinesisStreamBatchResponse {
  if (failedRecordIndex === undefined) return { batchItemFailures: [] };
  const itemIdentifier = sequenceNumberOf(records, failedRecordIndex);
  // A malformed record without a sequence number cannot be named; an empty identifier makes
  // Lambda retry the whole batch, which loses nothing.
  return { batchItemFailures: [{ itemIdentifier: itemIdentifier ?? '' }] };
}

/** The record's sequence number, if the event gave it one; never throws on a malformed record. */
export function sequenceNumberOf(
  records: readonly KinesisStreamRecord[],
  index: number,
): string | undefined {
  const sequenceNumber = (records[index] as Partial<KinesisStreamRecord> | undefined)?.kinesis
    ?.sequenceNumber;
  return typeof sequenceNumber === 'string' ? sequenceNumber : undefined;
}
