import type { KinesisStreamBatchResponse, KinesisStreamRecord } from 'aws-lambda';
import type { OutgoingMessage } from './messages.js';

/**
 * Acknowledgements -> the partial batch failure response.
 *
 * Lambda checkpoints before the lowest sequence number reported and re-delivers everything
 * from there, so naming the earliest record with any unacknowledged message is both necessary
 * (it and all after it come back) and sufficient. Records before it were fully acknowledged
 * or refused for good. "Earliest" is by sequence number, not by position in the event: they
 * are decimal strings far beyond 2^53 (Kinesis's pattern `0|([1-9]\d{0,128})`), compared as
 * big integers. A record without a readable sequence number (a malformed event) is named at
 * once: an identifier Lambda cannot place makes it retry the whole batch, which loses nothing.
 */
export function earliestUnacknowledged(
  messages: readonly OutgoingMessage[],
  acknowledged: readonly boolean[],
  records: readonly KinesisStreamRecord[],
): number | undefined {
  let earliest: number | undefined;
  let lowest: bigint | undefined;
  let previous = -1;
  for (let i = 0; i < messages.length; i++) {
    if (acknowledged[i]) continue;
    const { recordIndex } = messages[i] as OutgoingMessage;
    // A record's messages are usually adjacent: parse its sequence number once.
    if (recordIndex === previous) continue;
    previous = recordIndex;
    const sequence = sequenceValue(sequenceNumberOf(records, recordIndex));
    if (sequence === undefined) return recordIndex;
    if (lowest === undefined || sequence < lowest) {
      lowest = sequence;
      earliest = recordIndex;
    }
  }
  return earliest;
}

/** Kinesis's own pattern for a sequence number. */
const SEQUENCE_NUMBER = /^(0|[1-9]\d{0,128})$/;

/** A sequence number as a number to compare; undefined if it is not one. */
function sequenceValue(sequenceNumber: string | undefined): bigint | undefined {
  return sequenceNumber !== undefined && SEQUENCE_NUMBER.test(sequenceNumber)
    ? BigInt(sequenceNumber)
    : undefined;
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
