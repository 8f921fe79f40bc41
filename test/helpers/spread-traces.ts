import { createHash } from 'node:crypto';
import { encodeSpan, kplAggregate } from './factories.js';
import type { MixedRecord } from './mixed-records.js';

/**
 * A stream whose traces are spread over records far apart, the case where one OTLP message
 * (one trace of an invocation) carries the spans of many records: positions are cut into
 * blocks of {@link BLOCK} records, and the record at `position` belongs to trace `slot` of its
 * block (`position % SPREAD`), so each trace has a span every {@link SPREAD} records, four in
 * all, 375 records from the first to the last. A block is the batch size of
 * test/cluster/under-fault.ts, and its batches start on blocks unless a partial failure moved
 * them: a whole batch then holds every span of its traces, each trace's first record early in it
 * and its last late. Every tenth record is a KPL aggregate of three spans of its trace. Trace ids
 * take Haystack's three shapes in turn (UUID, 32 hex digits, any other text); a span id is 16
 * hex digits that spell its position, so a span read back names the record it came from
 * ({@link positionOfSpan}).
 *
 * Deterministic: the same position always gives the same bytes, so a test regenerates what it
 * sent instead of keeping it.
 */
export const BLOCK = 500;
export const SPREAD = 125;

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

function traceId(position: number): string {
  const trace = Math.floor(position / BLOCK) * SPREAD + (position % SPREAD);
  const hex = sha(`trace-${trace}`).slice(0, 32);
  switch (trace % 3) {
    case 0:
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    case 1:
      return hex.toUpperCase();
    default:
      return `order-${trace}`;
  }
}

/** The span id of sub-record `sub` of the record at `position`. */
export function spanIdAt(position: number, sub = 0): string {
  return (position * 8 + sub).toString(16).padStart(16, '0');
}

/** The position of the record a span id of {@link spanIdAt} came from. */
export function positionOfSpan(spanIdHex: string): number {
  return Math.floor(Number.parseInt(spanIdHex, 16) / 8);
}

/** The record at `position`: its Kinesis input and the spans it holds (all valid). */
export function spreadTraceRecord(position: number): MixedRecord {
  const trace = traceId(position);
  // The trace's first record of its block is its root; later spans are its children.
  const root = position - (position % BLOCK) + (position % SPREAD);
  const subs = position % 10 === 3 ? 3 : 1;
  const valid = Array.from({ length: subs }, (_, sub) =>
    encodeSpan({
      traceId: trace,
      spanId: spanIdAt(position, sub),
      parentSpanId: position === root && sub === 0 ? '' : spanIdAt(root),
      operationName: `step-${position % BLOCK}`,
    }),
  );
  const data = subs === 1 ? (valid[0] as Buffer) : kplAggregate(valid);
  return { input: { data, partitionKey: trace }, valid, invalid: new Map() };
}
