import { describe, expect, it } from 'vitest';
import { javaPartition } from '../../lambda/kafka/partitioner.js';
import { readRecords } from '../../lambda/records.js';
import type { Rejected } from '../../lambda/rejections.js';
import { checkSpans } from '../../lambda/spans.js';
import { type PutEntry, Traffic } from '../../local/generator/traffic.js';
import { LetterCheck, SpanCheck } from '../../local/verify/checks.js';
import { Ledger } from '../../local/verify/ledger.js';
import { decideVerdict } from '../../local/verify/verdict.js';
import { Span } from '../../proto/haystack.generated.js';
import { kinesisRecord } from '../helpers/factories.js';

/**
 * The generator and the verifier of `npm start`: what the generator expects of each record
 * must be what the collector's own code does with it, and the verifier must fail a run that
 * misses, mis-keys or mis-routes anything.
 */

function entries(n: number, options: ConstructorParameters<typeof Traffic>[0]): PutEntry[] {
  const traffic = new Traffic(options);
  const out: PutEntry[] = [];
  let spans = 0;
  while (spans < n) {
    const entry = traffic.next();
    spans += entry.spans;
    out.push(entry);
  }
  const last = traffic.flush();
  if (last) out.push(last);
  return out;
}

describe('Traffic', () => {
  it.each(['none', 'all', 'mixed'] as const)(
    'expects of every record exactly what the collector does with it (kpl %s)',
    (kpl) => {
      const list = entries(3000, { seed: 7, invalidShare: 0.1, kpl, nowMs: 1_764_000_000_000 });
      const records = list.map((e, i) =>
        kinesisRecord(e.data, { position: i, partitionKey: e.partitionKey }),
      );

      const { userRecords, rejected } = readRecords(records);
      const valid = checkSpans(userRecords, rejected);

      const expected = list.flatMap((e) => e.expectations);
      const expectedSpans = expected.filter((x) => x.kind === 'span');
      const expectedLetters = expected.filter((x) => x.kind === 'dead-letter');
      expect(valid.map((v) => v.key.toString())).toStrictEqual(expectedSpans.map((x) => x.traceId));
      expect(valid.map((v) => v.record.data.toString('hex'))).toStrictEqual(
        expectedSpans.map((x) => x.value.toString('hex')),
      );
      const byOrder = [...rejected].sort(
        (a, b) => a.recordIndex - b.recordIndex || a.subIndex - b.subIndex,
      );
      expect(byOrder.map((r: Rejected) => r.reason)).toStrictEqual(
        expectedLetters.map((x) => x.reason),
      );
      expect(expectedLetters.length).toBeGreaterThan(0);
    },
  );

  it('builds traces of several spans across services with parent/child links and every tag type', () => {
    const spans = entries(200, { seed: 3, invalidShare: 0, kpl: 'none' }).map((e) =>
      Span.decode(e.data),
    );

    const traces = new Map<string, typeof spans>();
    for (const s of spans) traces.set(s.traceId, [...(traces.get(s.traceId) ?? []), s]);
    expect(traces.size).toBeGreaterThan(10);
    for (const trace of traces.values()) {
      const ids = new Set(trace.map((s) => s.spanId));
      expect(trace.filter((s) => s.parentSpanId === '')).toHaveLength(1);
      expect(trace.every((s) => s.parentSpanId === '' || ids.has(s.parentSpanId))).toBe(true);
    }
    expect(new Set(spans.map((s) => s.serviceName)).size).toBeGreaterThan(4);
    expect(new Set(spans.flatMap((s) => s.tags.map((t) => t.type)))).toStrictEqual(
      new Set([0, 1, 2, 3, 4]),
    );
    expect(spans.some((s) => s.logs.length > 0)).toBe(true);
  });

  it('gives the same traffic for the same seed', () => {
    const a = entries(100, { seed: 11, nowMs: 1 }).map((e) => e.data.toString('hex'));
    const b = entries(100, { seed: 11, nowMs: 1 }).map((e) => e.data.toString('hex'));

    expect(a).toStrictEqual(b);
  });
});

describe('verifier', () => {
  const traceId = 'trace-1';
  const value = Buffer.from('span bytes');
  const letterValue = Buffer.from('broken bytes');
  const ledger = new Ledger();
  ledger.expect([
    { kind: 'span', value, traceId },
    { kind: 'dead-letter', value: letterValue, reason: 'undecodable', partitionKey: 'pk' },
  ]);
  const partition = javaPartition(Buffer.from(traceId), 6);
  const goodHeaders = {
    'dlq.reason': 'undecodable',
    'kinesis.stream.arn': 'arn',
    'kinesis.shard.id': 'shardId-000000000000',
    'kinesis.sequence.number': '1',
    'kinesis.subsequence.number': '0',
    'kinesis.partition.key': 'pk',
    'kinesis.arrival.time': '1',
  };

  function verdictOf(
    spanMessages: Parameters<SpanCheck['add']>[0][],
    letters: Parameters<LetterCheck['add']>[0][],
  ) {
    const spans = new SpanCheck(ledger, 6);
    const dlq = new LetterCheck(ledger);
    for (const m of spanMessages) spans.add(m);
    for (const m of letters) dlq.add(m);
    return decideVerdict({
      spanTopic: 'proto-spans',
      expectedSpans: ledger.spans.size,
      spans: spans.finish(),
      letters: { topic: 'proto-spans-dlq', findings: dlq.finish() },
      expectedLetters: ledger.letters.size,
      discardedRecords: 0,
      caughtUp: true,
      interrupted: false,
    });
  }
  const goodLetter = {
    partition: 0,
    key: Buffer.from('pk'),
    value: letterValue,
    headers: goodHeaders,
  };
  const goodSpan = { partition, key: Buffer.from(traceId), value };

  it('passes a complete run, duplicates included', () => {
    const verdict = verdictOf([goodSpan, goodSpan], [goodLetter]);

    expect(verdict.pass).toBe(true);
    expect(verdict.lines[0]).toContain('+1 re-delivered duplicates');
  });

  it.each([
    ['a missing span', [], [goodLetter], '0 of 1 valid spans'],
    [
      'a span under another key',
      [{ ...goodSpan, key: Buffer.from('x') }],
      [goodLetter],
      'key other than their traceId',
    ],
    [
      'a span on another partition',
      [{ ...goodSpan, partition: partition + 1 }],
      [goodLetter],
      'another partition',
    ],
    [
      'an unexpected span',
      [goodSpan, { ...goodSpan, value: Buffer.from('?') }],
      [goodLetter],
      'unexpected messages in proto-spans',
    ],
    ['a missing dead letter', [goodSpan], [], '0 of 1 refused records'],
    [
      'a dead letter with another reason',
      [goodSpan],
      [{ ...goodLetter, headers: { ...goodHeaders, 'dlq.reason': 'x' } }],
      'another reason',
    ],
    [
      'a dead letter without its shard header',
      [goodSpan],
      [{ ...goodLetter, headers: { ...goodHeaders, 'kinesis.shard.id': '' } }],
      'missing a provenance header',
    ],
  ])('fails %s', (_, spans, letters, words) => {
    const verdict = verdictOf(spans, letters);

    expect(verdict.pass).toBe(false);
    expect(verdict.lines.filter((l) => l.startsWith('FAIL')).join('\n')).toContain(words);
  });
});
