import type { PipelineResult } from '../pipeline.js';
import { count, duration, median } from './format.js';

/**
 * The end-of-run summary: how much went through, how fast, what failed and was retried,
 * how far behind the mapping got, and the verification verdict line by line.
 */
export function summaryText(result: PipelineResult): string {
  const { state, verdict } = result;
  const generated =
    (state.generateEndedAt ?? Date.now()) - (state.generateStartedAt ?? state.startedAt);
  const endToEnd =
    (state.mappingEndedAt ?? Date.now()) - (state.generateStartedAt ?? state.startedAt);
  const handled = state.spansStored + state.lettersStored;
  const rows: [string, string][] = [
    [
      'spans put',
      `${count(state.spansPut)} in ${count(state.recordsPut)} Kinesis records over ${duration(generated)}`,
    ],
    [
      'throughput',
      `${count(handled / Math.max(0.001, endToEnd / 1000))} spans/s end to end (first put to last checkpoint, ${duration(endToEnd)})`,
    ],
    [
      'invocations',
      `${count(state.invocations)} (retries ${count(state.retries)}, partial failures ${count(state.partialFailures)}, failed ${count(state.failures)})`,
    ],
    ['handler time', `median ${duration(median(state.invocationMs))} per invocation`],
    [
      'stored',
      `${count(state.spansStored)} span messages, ${count(state.lettersStored)} dead letters`,
    ],
    ['given up', `${count(state.recordsDiscarded)} Kinesis records (on-failure destination)`],
    [
      'lag',
      `IteratorAge max ${duration(state.maxIteratorAgeMs)}, last ${duration(state.iteratorAgeMs)}`,
    ],
    ['kafka', result.kafkaVersion],
    ['verdict', verdict.pass ? 'PASS' : 'FAIL'],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return [
    'Summary',
    ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
    ...verdict.lines.map((line) => `    ${line}`),
  ].join('\n');
}
