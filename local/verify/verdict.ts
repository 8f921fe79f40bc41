import type { LetterFindings, SpanFindings } from './checks.js';

/** Everything the verdict is decided from. */
export interface VerdictInput {
  spanTopic: string;
  expectedSpans: number;
  spans: SpanFindings;
  /** The dead-letter topic's name and findings, or undefined when it is turned off. */
  letters: { topic: string; findings: LetterFindings } | undefined;
  expectedLetters: number;
  /** Records the mapping gave up (sent to its on-failure destination). */
  discardedRecords: number;
  /** False when the consumer did not reach the end of the topics in time. */
  caughtUp: boolean;
  /** True when the run was stopped before every record was handled (Ctrl-C). */
  interrupted: boolean;
}

/** The verdict: pass or not, and one line per check. */
export interface Verdict {
  pass: boolean;
  lines: string[];
}

const n = (value: number): string => value.toLocaleString('en-US');

/**
 * Decides whether the run did what the collector promises: every valid span stored once or
 * more under its traceId on the Java partition, every refused record dead-lettered as
 * received, nothing unexpected, nothing given up. Duplicates are reported but pass: delivery
 * is at least once.
 */
export function decideVerdict(input: VerdictInput): Verdict {
  const lines: string[] = [];
  let pass = true;
  const check = (ok: boolean, line: string): void => {
    lines.push(`${ok ? 'ok  ' : 'FAIL'} ${line}`);
    if (!ok) pass = false;
  };

  const s = input.spans;
  const missingSpans = input.expectedSpans - s.stored;
  check(
    missingSpans === 0,
    `${n(s.stored)} of ${n(input.expectedSpans)} valid spans in ${input.spanTopic}` +
      (s.duplicates
        ? ` (+${n(s.duplicates)} re-delivered duplicates, allowed: at least once)`
        : ''),
  );
  check(s.wrongKey === 0, `${n(s.wrongKey)} spans under a key other than their traceId`);
  check(
    s.wrongPartition === 0,
    `${n(s.wrongPartition)} spans on another partition than Java's murmur2 choice`,
  );
  check(s.unexpected === 0, `${n(s.unexpected)} unexpected messages in ${input.spanTopic}`);

  if (input.letters) {
    const l = input.letters.findings;
    check(
      input.expectedLetters - l.stored === 0,
      `${n(l.stored)} of ${n(input.expectedLetters)} refused records dead-lettered in ${input.letters.topic}` +
        (l.duplicates ? ` (+${n(l.duplicates)} duplicates)` : ''),
    );
    check(
      l.wrongReason === 0,
      `${n(l.wrongReason)} dead letters with another reason than expected`,
    );
    check(
      l.wrongKey === 0,
      `${n(l.wrongKey)} dead letters not keyed by their Kinesis partition key`,
    );
    check(
      l.missingHeaders === 0,
      `${n(l.missingHeaders)} dead letters missing a provenance header`,
    );
    check(l.unexpected === 0, `${n(l.unexpected)} unexpected messages in ${input.letters.topic}`);
  } else {
    lines.push(
      `note dead-letter topic not configured: ${n(input.expectedLetters)} refused records were only counted and logged`,
    );
  }

  check(
    input.discardedRecords === 0,
    `${n(input.discardedRecords)} Kinesis records given up by the mapping`,
  );
  if (!input.caughtUp) check(false, 'the consumer did not reach the end of the topics in time');
  if (input.interrupted) check(false, 'interrupted before every record was handled');
  return { pass, lines };
}
