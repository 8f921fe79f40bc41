import type { IHeaders } from 'kafkajs';
import { javaPartition } from '../../lambda/kafka/partitioner.js';
import { digest, type Ledger } from './ledger.js';

/** One consumed message, as the checks need it. */
export interface Consumed {
  partition: number;
  key: Buffer | null;
  value: Buffer | null;
  headers?: IHeaders;
}

/** Provenance headers every dead letter must carry (see lambda/dead-letters.ts). */
export const REQUIRED_LETTER_HEADERS = [
  'dlq.reason',
  'kinesis.stream.arn',
  'kinesis.shard.id',
  'kinesis.sequence.number',
  'kinesis.subsequence.number',
  'kinesis.partition.key',
  'kinesis.arrival.time',
] as const;

/** Findings about the span topic. */
export interface SpanFindings {
  stored: number;
  duplicates: number;
  wrongKey: number;
  wrongPartition: number;
  unexpected: number;
}

/** Findings about the dead-letter topic. */
export interface LetterFindings {
  stored: number;
  duplicates: number;
  wrongReason: number;
  wrongKey: number;
  missingHeaders: number;
  unexpected: number;
}

/**
 * Checks messages of the span topic as they arrive: each must be an expected span (bytes
 * untouched), keyed by its traceId, on the partition Kafka's Java client would choose.
 * Delivery is at least once, so a span seen twice is counted, not failed.
 */
export class SpanCheck {
  readonly findings: SpanFindings = {
    stored: 0,
    duplicates: 0,
    wrongKey: 0,
    wrongPartition: 0,
    unexpected: 0,
  };
  private readonly seen = new Set<string>();
  /** Messages not in the ledger yet; looked up again at the end. */
  private unmatched: Consumed[] = [];

  constructor(
    private readonly ledger: Ledger,
    private readonly partitions: number,
  ) {}

  add(message: Consumed): void {
    const id = digest(message.value ?? Buffer.alloc(0));
    const traceId = this.ledger.spans.get(id);
    if (traceId === undefined) {
      this.unmatched.push(message);
      return;
    }
    if (this.seen.has(id)) {
      this.findings.duplicates++;
      return;
    }
    this.seen.add(id);
    this.findings.stored++;
    const key = message.key ?? Buffer.alloc(0);
    if (key.toString('utf8') !== traceId) this.findings.wrongKey++;
    if (message.partition !== javaPartition(key, this.partitions)) this.findings.wrongPartition++;
  }

  /** Re-checks what arrived before the ledger knew it; the rest is unexpected. */
  finish(): SpanFindings {
    const late = this.unmatched;
    this.unmatched = [];
    for (const message of late) {
      if (this.ledger.spans.has(digest(message.value ?? Buffer.alloc(0)))) this.add(message);
      else this.findings.unexpected++;
    }
    return this.findings;
  }

  /** Expected spans not stored (call after {@link finish}). */
  missing(): number {
    return this.ledger.spans.size - this.findings.stored;
  }
}

/**
 * Checks the dead-letter topic: each refused record stored with its original bytes, keyed by
 * its Kinesis partition key, with the reason the collector's rules give and every provenance
 * header.
 */
export class LetterCheck {
  readonly findings: LetterFindings = {
    stored: 0,
    duplicates: 0,
    wrongReason: 0,
    wrongKey: 0,
    missingHeaders: 0,
    unexpected: 0,
  };
  private readonly seen = new Set<string>();
  private unmatched: Consumed[] = [];

  constructor(private readonly ledger: Ledger) {}

  add(message: Consumed): void {
    const id = digest(message.value ?? Buffer.alloc(0));
    const expected = this.ledger.letters.get(id);
    if (expected === undefined) {
      this.unmatched.push(message);
      return;
    }
    if (this.seen.has(id)) {
      this.findings.duplicates++;
      return;
    }
    this.seen.add(id);
    this.findings.stored++;
    const headers = message.headers ?? {};
    if (header(headers, 'dlq.reason') !== expected.reason) this.findings.wrongReason++;
    if (message.key?.toString('utf8') !== expected.partitionKey) this.findings.wrongKey++;
    if (REQUIRED_LETTER_HEADERS.some((name) => !header(headers, name)))
      this.findings.missingHeaders++;
  }

  finish(): LetterFindings {
    const late = this.unmatched;
    this.unmatched = [];
    for (const message of late) {
      if (this.ledger.letters.has(digest(message.value ?? Buffer.alloc(0)))) this.add(message);
      else this.findings.unexpected++;
    }
    return this.findings;
  }

  missing(): number {
    return this.ledger.letters.size - this.findings.stored;
  }
}

function header(headers: IHeaders, name: string): string | undefined {
  const value = headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}
