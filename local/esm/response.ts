import type { KinesisStreamRecord } from 'aws-lambda';

/** How Lambda reads one invocation's outcome. */
export type Outcome =
  /** Checkpoint after the last record of the batch. */
  | { kind: 'success' }
  /** Checkpoint before `index` (the lowest reported record) and re-deliver from it. */
  | { kind: 'partial'; index: number }
  /** Nothing checkpointed: retry (or bisect) the whole batch. */
  | { kind: 'failed'; cause: FailureCause; detail: string };

/** Why a whole batch failed. */
export type FailureCause = 'error' | 'timeout' | 'batch-failure-response';

/**
 * Reads a handler's response the way Lambda reads it with `ReportBatchItemFailures`
 * (docs: "Configuring partial batch response with Kinesis Data Streams and Lambda"):
 *
 * - no response, `null`, `{}`, no `batchItemFailures` key, or an empty list: success. A
 *   misspelled top-level key (`batchItemFailure`, `BatchItemFailures`) is therefore success
 *   too: Lambda checkpoints the whole batch and the records are silently lost. The engine
 *   copies this on purpose so local runs catch such a handler the way production would not.
 * - an entry whose `itemIdentifier` is missing, null, empty or misspelled: the whole batch failed.
 * - otherwise: checkpoint before the lowest reported sequence number.
 *
 * Two cases the documentation leaves open, decided here on the side of not losing records:
 * an `itemIdentifier` that names no record of the batch, and a `batchItemFailures` value that
 * is not a list, both count as a whole-batch failure.
 *
 * `response` must already be the JSON round trip of what the handler returned (see invoke.ts).
 */
export function readResponse(
  response: unknown,
  batch: readonly KinesisStreamRecord[],
  reportBatchItemFailures: boolean,
): Outcome {
  if (!reportBatchItemFailures || response === null || typeof response !== 'object') {
    return { kind: 'success' };
  }
  const failures = (response as Record<string, unknown>).batchItemFailures;
  if (failures === undefined || failures === null) return { kind: 'success' };
  if (!Array.isArray(failures)) {
    return whole(`batchItemFailures is ${typeof failures}, not a list`);
  }
  const positions = new Map(batch.map((r, i) => [r.kinesis.sequenceNumber, i]));
  let lowest: number | undefined;
  for (const entry of failures) {
    const id = (entry as Record<string, unknown> | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '') {
      return whole(`an entry has no itemIdentifier (${JSON.stringify(entry)})`);
    }
    // Records of a batch are in sequence order, so the lowest sequence number is the lowest index.
    const index = positions.get(id);
    if (index === undefined) return whole(`itemIdentifier ${id} is not a record of this batch`);
    if (lowest === undefined || index < lowest) lowest = index;
  }
  return lowest === undefined ? { kind: 'success' } : { kind: 'partial', index: lowest };
}

function whole(detail: string): Outcome {
  return { kind: 'failed', cause: 'batch-failure-response', detail };
}
