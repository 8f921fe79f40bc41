import type { KinesisStreamRecord } from 'aws-lambda';
import { readResponse } from '../local/esm/response.js';
import type { Invocation } from './invoke.js';

/** What one replayed record set came to. */
export type ReplayOutcome =
  /** Every record was stored: the failure record may be deleted or tagged. */
  | { kind: 'stored' }
  /** Some were not: the failure record stays where it is; `reason` says why. */
  | { kind: 'not-stored'; reason: string; notStored: number };

/**
 * Reads the function's answer for a replayed record set strictly: the set counts as stored
 * only when the function answered normally with an explicit, empty `batchItemFailures` list,
 * which the collector always writes. Lambda's mapping also takes an empty or a misspelt
 * response for success (local/esm/response.ts); a replay that then deleted the only copy of the
 * records would lose them, so anything but the explicit empty list leaves the record in place.
 */
export function readOutcome(
  invocation: Invocation,
  records: readonly KinesisStreamRecord[],
): ReplayOutcome {
  const why = (text: string) => {
    const logged = loggedError(invocation.logTail);
    return logged ? `${text}; the function logged: ${logged}` : text;
  };
  if (invocation.functionError !== undefined) {
    return {
      kind: 'not-stored',
      notStored: records.length,
      reason: why(
        `the function failed (${invocation.functionError}): ${errorText(invocation.response)}`,
      ),
    };
  }
  let response: unknown;
  try {
    response = JSON.parse(invocation.response);
  } catch {
    return notStored(records.length, why(`the response is not JSON: ${clip(invocation.response)}`));
  }
  const failures = (response as { batchItemFailures?: unknown } | null)?.batchItemFailures;
  if (!Array.isArray(failures)) {
    return notStored(
      records.length,
      why(`the response has no batchItemFailures list: ${clip(invocation.response)}`),
    );
  }
  const outcome = readResponse(response, records, true);
  switch (outcome.kind) {
    case 'success':
      return { kind: 'stored' };
    case 'partial': {
      const first = records[outcome.index]?.kinesis.sequenceNumber;
      return notStored(
        records.length - outcome.index,
        why(
          `${records.length - outcome.index} of ${records.length} records not stored, from sequence number ${first}`,
        ),
      );
    }
    case 'failed':
      return notStored(
        records.length,
        why(`the response fails the whole batch: ${outcome.detail}`),
      );
  }
}

function notStored(count: number, reason: string): ReplayOutcome {
  return { kind: 'not-stored', notStored: count, reason };
}

/** `errorType: errorMessage` of a Lambda error document, or the text itself. */
function errorText(response: string): string {
  try {
    const { errorType, errorMessage } = JSON.parse(response) as Record<string, unknown>;
    if (typeof errorMessage === 'string') return `${errorType ?? 'Error'}: ${errorMessage}`;
  } catch {
    // not a JSON error document: shown as it is
  }
  return clip(response);
}

/**
 * The last error the function logged (Powertools JSON lines, `"level":"ERROR"`), with the first
 * Kafka error and its hint when the collector gave them: why the records were not stored.
 */
export function loggedError(logTail: string | undefined): string | undefined {
  if (logTail === undefined) return undefined;
  let found: string | undefined;
  for (const line of logTail.split('\n')) {
    const start = line.indexOf('{');
    if (start < 0) continue;
    try {
      const entry = JSON.parse(line.slice(start)) as Record<string, unknown>;
      if (entry.level !== 'ERROR' || typeof entry.message !== 'string') continue;
      const [first] = Array.isArray(entry.errors)
        ? (entry.errors as Array<Record<string, unknown>>)
        : [];
      const detail = first
        ? ` (${[first.type ?? first.name, first.message, first.hint].filter(Boolean).join(': ')})`
        : '';
      found = `${entry.message}${detail}`;
    } catch {
      // a log line that is not JSON (the runtime's START/END/REPORT lines)
    }
  }
  return found;
}

function clip(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
