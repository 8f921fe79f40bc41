import { expect } from 'vitest';
import { Span } from '../../proto/haystack.generated.js';
import { type ReadMessage, randomTopic } from '../harness/topics.js';
import type { MixedRecord } from './mixed-records.js';
import { expectedOtlpSpan, messageSpans, type NormalSpan } from './otlp-expectation.js';

/**
 * What an OTLP topic must hold after a run, and what it does: every span of every record
 * answered as stored inside some message, as docs/haystack-to-otlp.md says
 * (otlp-expectation.ts), each message keyed by the hex of its one trace.
 */

export type OtlpFormat = 'otlp-proto' | 'otlp-json';

/** The spans of a run, by `traceId/spanId` of their OTLP form: normal form (JSON) and record. */
type OtlpExpectations = Map<string, { position: number; json: string }>;

const keyOf = (span: NormalSpan) => `${span.traceId}/${span.spanId}`;

/** The OTLP spans the records at positions `0 … records - 1` must become. */
function otlpExpectations(
  records: number,
  recordAt: (position: number) => MixedRecord,
): OtlpExpectations {
  const expected: OtlpExpectations = new Map();
  for (let position = 0; position < records; position++) {
    for (const bytes of recordAt(position).valid) {
      const span = expectedOtlpSpan(Span.decode(bytes));
      expected.set(keyOf(span), { position, json: JSON.stringify(span) });
    }
  }
  return expected;
}

/** One OTLP topic read back and compared span by span. */
export interface OtlpTopicCheck {
  messages: number;
  /** Spans in all messages, duplicates included. */
  spans: number;
  /** Positions of records with a span in no message: must be empty. */
  missing: number[];
  /** Stored spans that differ from what the mapping must give (the first few): must be empty. */
  mismatched: Array<{ expected: unknown; stored: unknown }>;
  /** Stored spans no record of the run holds: must be 0. */
  foreign: number;
  /** Keys of messages not keyed by the hex of their one trace (the first few): must be empty. */
  misKeyed: string[];
  /** Spans stored more than once (re-deliveries; at least once). */
  duplicates: number;
}

/** Decodes every message of an OTLP topic and compares it with `expected`. */
export function checkOtlpTopic(
  messages: readonly ReadMessage[],
  format: OtlpFormat,
  expected: OtlpExpectations,
): OtlpTopicCheck {
  const seen = new Set<string>();
  const check: OtlpTopicCheck = {
    messages: messages.length,
    spans: 0,
    missing: [],
    mismatched: [],
    foreign: 0,
    misKeyed: [],
    duplicates: 0,
  };
  for (const message of messages) {
    const spans = messageSpans(message.value as Buffer, format);
    const traces = new Set(spans.map((s) => s.traceId));
    const key = message.key?.toString() ?? '';
    if ((traces.size !== 1 || !traces.has(key)) && check.misKeyed.length < 5) {
      check.misKeyed.push(`${key} holds ${[...traces].join(', ')}`);
    }
    for (const span of spans) {
      check.spans++;
      const id = keyOf(span);
      const wanted = expected.get(id);
      if (wanted === undefined) {
        check.foreign++;
        continue;
      }
      if (seen.has(id)) check.duplicates++;
      seen.add(id);
      const json = JSON.stringify(span);
      if (json !== wanted.json && check.mismatched.length < 3) {
        check.mismatched.push({ expected: JSON.parse(wanted.json), stored: span });
      }
    }
  }
  const missing = new Set<number>();
  for (const [id, { position }] of expected) if (!seen.has(id)) missing.add(position);
  check.missing = [...missing].sort((a, b) => a - b);
  return check;
}

/** Fresh topic names, one per OTLP format, and the `ROUTES` that copy every span to them. */
export function otlpRoutes(prefix: string): {
  formats: Map<string, OtlpFormat>;
  topics: string[];
  routes: string;
} {
  const formats = new Map<string, OtlpFormat>(
    (['otlp-proto', 'otlp-json'] as const).map((format) => [
      randomTopic(`${prefix}-${format}`),
      format,
    ]),
  );
  const topics = [...formats.keys()];
  const routes = topics.map((topic) => ({
    name: `otel-${formats.get(topic)}`,
    topic,
    tags: {},
    output: formats.get(topic),
  }));
  return { formats, topics, routes: JSON.stringify(routes) };
}

/** Each OTLP topic of a run, checked. */
export type OtlpChecks = Array<{ format: OtlpFormat; check: OtlpTopicCheck }>;

/**
 * {@link checkOtlpTopic} for each OTLP topic of a run (`routed`, read back), against what its
 * records at positions `0 … records - 1` must become.
 */
export function checkOtlpTopics(
  routed: ReadonlyMap<string, readonly ReadMessage[]>,
  formats: ReadonlyMap<string, OtlpFormat>,
  records: number,
  recordAt: (position: number) => MixedRecord,
): OtlpChecks {
  const expected = otlpExpectations(records, recordAt);
  return [...formats].map(([topic, format]) => ({
    format,
    check: checkOtlpTopic(routed.get(topic) ?? [], format, expected),
  }));
}

/** One line for the test output. */
export function describeOtlpTopics(checks: OtlpChecks): string {
  return checks
    .map(
      ({ format, check }) =>
        `${format}: ${check.spans} spans in ${check.messages} messages, ` +
        `missing ${check.missing.length}, duplicates ${check.duplicates}`,
    )
    .join('; ');
}

/** Nothing answered as stored missing from an OTLP topic, nothing unlike the mapping or foreign. */
export function expectOtlpStored(checks: OtlpChecks): void {
  for (const { format, check } of checks) {
    expect(check.missing, `records answered as stored with a span in no ${format} message`).toEqual(
      [],
    );
    expect(check.mismatched, `${format} spans unlike the mapping`).toEqual([]);
    expect(check.misKeyed, `${format} messages not keyed by their one trace`).toEqual([]);
    expect(check.foreign, `${format} spans of no record`).toBe(0);
  }
}
