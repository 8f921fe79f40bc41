import { createHash } from 'node:crypto';
import type { Expectation } from '../generator/traffic.js';

/** A short digest of a message value: the ledger keeps digests, not the bytes of every span. */
export function digest(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('base64');
}

/** An expected dead letter. */
export interface ExpectedLetter {
  reason: string;
  partitionKey: string;
}

/**
 * What the run must produce, registered before each record is put (so a message can never
 * reach Kafka before the ledger knows it) and withdrawn if Kinesis refuses the record.
 */
export class Ledger {
  /** Valid spans: value digest -> traceId (the key they must be stored under). */
  readonly spans = new Map<string, string>();
  /** Refused records: value digest -> reason and key of the dead letter. */
  readonly letters = new Map<string, ExpectedLetter>();

  expect(expectations: readonly Expectation[]): void {
    for (const e of expectations) {
      if (e.kind === 'span') this.spans.set(digest(e.value), e.traceId);
      else this.letters.set(digest(e.value), { reason: e.reason, partitionKey: e.partitionKey });
    }
  }

  withdraw(expectations: readonly Expectation[]): void {
    for (const e of expectations) {
      if (e.kind === 'span') this.spans.delete(digest(e.value));
      else this.letters.delete(digest(e.value));
    }
  }
}
