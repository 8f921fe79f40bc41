import type { KinesisStreamRecord } from 'aws-lambda';
import { count } from '../local/report/format.js';
import type { ListedObject } from './bucket.js';
import type { FailureRecord } from './failure-record.js';
import type { ObjectResult, RunResult } from './run.js';

/** What `list` shows of one failure record: where its records came from and why they were given up. */
export function describeRecord(
  bucket: string,
  object: ListedObject,
  record: FailureRecord,
  tags: Record<string, string>,
): string {
  const { batch } = record;
  const lines = [
    `s3://${bucket}/${object.key}`,
    `  stream     ${batch.streamArn}`,
    `  shard      ${batch.shardId}`,
    `  sequence   ${batch.startSequenceNumber}`,
    `          to ${batch.endSequenceNumber}`,
    `  records    ${count(record.records.length)} (${kib(object.size)} object)`,
    `  arrived    ${batch.approximateArrivalOfFirstRecord} to ${batch.approximateArrivalOfLastRecord}`,
    `  given up   ${record.timestamp ?? object.lastModified.toISOString()}: ${why(record)}`,
  ];
  if (tags.replayed !== undefined) lines.push(`  replayed   ${tags.replayed}`);
  for (const warning of record.warnings) lines.push(`  warning    ${warning}`);
  return lines.join('\n');
}

/** `RetryAttemptsExhausted after 1001 invocations, last function error Unhandled`. */
export function why(record: FailureRecord): string {
  const invocations =
    record.approximateInvokeCount === undefined
      ? ''
      : ` after ${count(record.approximateInvokeCount)} invocation${record.approximateInvokeCount === 1 ? '' : 's'}`;
  const error = record.functionError ? `, last function error ${record.functionError}` : '';
  return `${record.condition}${invocations}${error}`;
}

/** `inspect`: the record's own records, one line each, the first `limit` of them. */
export function describeRecords(records: readonly KinesisStreamRecord[], limit: number): string {
  const rows = records.slice(0, limit).map((r, i) => {
    const bytes = Buffer.byteLength(r.kinesis.data, 'base64');
    const arrived = new Date(r.kinesis.approximateArrivalTimestamp * 1000).toISOString();
    return `  ${String(i + 1).padStart(5)}  ${r.kinesis.sequenceNumber.padEnd(56)}  ${String(bytes).padStart(7)}  ${arrived}  ${r.kinesis.partitionKey}`;
  });
  const more =
    records.length > limit
      ? [`  … ${count(records.length - limit)} more (--limit ${records.length})`]
      : [];
  return [
    `  ${'#'.padStart(5)}  ${'sequence number'.padEnd(56)}  ${'bytes'.padStart(7)}  ${'arrived'.padEnd(24)}  partition key`,
    ...rows,
    ...more,
  ].join('\n');
}

/** One line per replayed (or not) failure record, as the run goes. */
export function resultLine(result: ObjectResult): string {
  switch (result.kind) {
    case 'replayed':
      return `replayed    ${result.key}: ${count(result.records)} records stored; ${result.after === 'delete' ? 'deleted' : 'tagged replayed'}`;
    case 'would-replay':
      return `would replay ${result.key}: ${count(result.record.records.length)} records of ${result.record.batch.shardId} (${why(result.record)})`;
    case 'left':
      return `left        ${result.key}: ${result.reason}`;
    case 'unreadable':
      return `unreadable  ${result.reason}`;
    case 'skipped':
      return `skipped     ${result.key}: ${result.reason}`;
    case 'unmarked':
      return `stored, NOT marked ${result.key}: ${count(result.records)} records stored, but ${result.error.message}; a new run would replay them again`;
  }
}

/** The counts at the end of `run`, and whether everything selected was replayed. */
export function summary(selected: number, run: RunResult, dryRun: boolean): string {
  const of = (kind: ObjectResult['kind']) => run.results.filter((r) => r.kind === kind);
  const records = (results: ObjectResult[]) =>
    results.reduce((n, r) => n + ('records' in r ? r.records : 0), 0);
  const replayed = of('replayed');
  const left = of('left') as Extract<ObjectResult, { kind: 'left' }>[];
  const lines = [
    'Summary',
    `  selected     ${count(selected)} failure record${selected === 1 ? '' : 's'}`,
  ];
  if (dryRun) {
    const would = of('would-replay') as Extract<ObjectResult, { kind: 'would-replay' }>[];
    lines.push(
      `  would replay ${count(would.length)} (${count(would.reduce((n, r) => n + r.record.records.length, 0))} records); dry run: nothing invoked, nothing changed`,
    );
  } else {
    lines.push(
      `  replayed     ${count(replayed.length)} (${count(records(replayed))} records stored)`,
    );
    lines.push(
      `  left         ${count(left.length)} (${count(left.reduce((n, r) => n + r.notStored, 0))} records not stored; fix the cause, then run again)`,
    );
  }
  lines.push(`  unreadable   ${count(of('unreadable').length)} (nothing changed; see above)`);
  lines.push(`  skipped      ${count(of('skipped').length)}`);
  const unmarked = of('unmarked');
  if (unmarked.length > 0)
    lines.push(`  not marked   ${count(unmarked.length)} (stored, still in the bucket)`);
  const untouched = selected - run.results.length;
  if (run.stopped) {
    lines.push(`  stopped      ${run.stopped.message}`);
    lines.push(
      `  not started  ${count(untouched)}${run.stopped.retriable ? ' (run again later)' : ''}`,
    );
  }
  lines.push(`  verdict      ${verdict(run, selected) === 0 ? 'DONE' : 'INCOMPLETE'}`);
  return lines.join('\n');
}

/**
 * Exit code of a run: 0 when every selected record set was replayed (or would be, in a dry
 * run) or skipped, 1 when any was left, unreadable or not marked, 3 when the run stopped.
 */
export function verdict(run: RunResult, selected: number): number {
  if (run.stopped || run.results.length < selected) return 3;
  return run.results.every((r) => ['replayed', 'would-replay', 'skipped'].includes(r.kind)) ? 0 : 1;
}

function kib(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`;
}
