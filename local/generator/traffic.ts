import { Span } from '../../proto/haystack.generated.js';
import { breakSpan } from './invalid.js';
import { aggregate, aggregatedBytes, corruptDigest, KPL_MAX_AGGREGATE_BYTES } from './kpl.js';
import { Random } from './random.js';
import { generateTrace } from './traces.js';

/** What the collector must do with one user record (or one whole refused aggregate). */
export type Expectation =
  | { kind: 'span'; value: Buffer; traceId: string }
  | { kind: 'dead-letter'; value: Buffer; reason: string; partitionKey: string };

/** One Kinesis record to put, with what must come of it. */
export interface PutEntry {
  data: Buffer;
  partitionKey: string;
  /** User records inside (1 unless it is a KPL aggregate). */
  spans: number;
  expectations: Expectation[];
}

/** How records reach the stream: one span each, KPL aggregates, or both (per trace). */
export type KplMode = 'none' | 'all' | 'mixed';

/** Options of {@link Traffic}. */
export interface TrafficOptions {
  seed?: number;
  /** Share of spans broken in one way (0–1); default 0.02. */
  invalidShare?: number;
  kpl?: KplMode;
  minSpansPerTrace?: number;
  maxSpansPerTrace?: number;
  /** Fixed clock for span start times, epoch ms; default now. */
  nowMs?: number;
}

interface UserRecord {
  data: Buffer;
  partitionKey: string;
  expectation: Expectation;
}

/**
 * Haystack traffic as haystack-agent puts it on Kinesis: whole traces, partition key =
 * traceId, some spans broken, optionally packed by the KPL. Every record carries what the
 * collector must make of it, so a run can be verified span by span.
 */
export class Traffic {
  private readonly random: Random;
  private readonly invalidShare: number;
  private readonly kpl: KplMode;
  private readonly shape: { minSpans: number; maxSpans: number };
  private readonly nowMicros: number;
  private readonly ready: PutEntry[] = [];
  private packing: UserRecord[] = [];
  private packingBytes = 0;

  constructor(options: TrafficOptions = {}) {
    this.random = new Random(options.seed ?? 1);
    this.invalidShare = options.invalidShare ?? 0.02;
    this.kpl = options.kpl ?? 'none';
    this.shape = {
      minSpans: options.minSpansPerTrace ?? 3,
      maxSpans: options.maxSpansPerTrace ?? 12,
    };
    this.nowMicros = (options.nowMs ?? Date.now()) * 1000;
  }

  /** The next Kinesis record. */
  next(): PutEntry {
    while (this.ready.length === 0) this.addTrace();
    return this.ready.shift() as PutEntry;
  }

  /** Whatever is still being packed into an aggregate, as a last record (undefined if nothing). */
  flush(): PutEntry | undefined {
    if (this.ready.length > 0) return this.ready.shift();
    if (this.packing.length === 0) return undefined;
    this.closeAggregate();
    return this.ready.shift();
  }

  private addTrace(): void {
    const packed = this.kpl === 'all' || (this.kpl === 'mixed' && this.random.chance(0.5));
    for (const span of generateTrace(this.random, this.nowMicros, this.shape)) {
      const record = this.random.chance(this.invalidShare)
        ? brokenRecord(breakSpan(span, this.random))
        : validRecord(Buffer.from(Span.encode(span).finish()), span.traceId ?? '');
      if (packed) this.pack(record);
      else {
        this.ready.push({
          data: record.data,
          partitionKey: record.partitionKey,
          spans: 1,
          expectations: [record.expectation],
        });
      }
    }
  }

  private pack(record: UserRecord): void {
    const bytes = aggregatedBytes(record.data, record.partitionKey);
    if (this.packing.length > 0 && this.packingBytes + bytes > KPL_MAX_AGGREGATE_BYTES) {
      this.closeAggregate();
    }
    this.packing.push(record);
    this.packingBytes += bytes;
  }

  private closeAggregate(): void {
    const records = this.packing;
    this.packing = [];
    this.packingBytes = 0;
    const partitionKey = (records[0] as UserRecord).partitionKey;
    let data = aggregate(records);
    // A refused sub-record's dead letter carries its own partition key, from the aggregate's table.
    let expectations = records.map((r) => r.expectation);
    // Rarely, an aggregate damaged on the way: refused as a whole, none of its spans stored.
    if (this.random.chance(this.invalidShare / 10)) {
      data = corruptDigest(data);
      expectations = [
        { kind: 'dead-letter', value: data, reason: 'kpl-checksum-mismatch', partitionKey },
      ];
    }
    this.ready.push({ data, partitionKey, spans: records.length, expectations });
  }
}

function validRecord(data: Buffer, traceId: string): UserRecord {
  return { data, partitionKey: traceId, expectation: { kind: 'span', value: data, traceId } };
}

function brokenRecord(broken: ReturnType<typeof breakSpan>): UserRecord {
  return {
    data: broken.bytes,
    partitionKey: broken.partitionKey,
    expectation: {
      kind: 'dead-letter',
      value: broken.bytes,
      reason: broken.reason,
      partitionKey: broken.partitionKey,
    },
  };
}
