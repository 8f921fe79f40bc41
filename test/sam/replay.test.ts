import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreateBucketCommand,
  GetObjectTaggingCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DeadLetterHeader } from '../../lambda/dead-letters.js';
import { javaPartition } from '../../lambda/kafka/partitioner.js';
import { dockerApi } from '../harness/docker/api.js';
import { type Moto, startMoto } from '../harness/moto.js';
import { FUNCTION_ID } from '../harness/sam/cli.js';
import { type LocalLambdaApi, startLocalLambdaApi } from '../harness/sam/start-lambda.js';
import {
  createTopic,
  deleteTopic,
  endOffsets,
  type ReadMessage,
  randomTopic,
  readAfter,
} from '../harness/topics.js';
import { failureRecord, failureRecordKey, MAPPING_UUID } from '../helpers/failure-records.js';
import { motoS3, replayCli } from '../helpers/replay-cli.js';
import { writeCollectorEnv } from './env-vars.js';
import { type ExpectedMessage, messageRow } from './expected.js';
import {
  corruptKpl,
  type ExpectedLetter,
  kpl,
  type PlannedSet,
  plain,
  RecordSets,
  refused,
  spanBytes,
  traceSpan,
} from './record-sets.js';

/**
 * `npm run replay` end to end against the function as Lambda runs it: `sam local start-lambda`
 * (through the host-network launcher) serves the Invoke API for the template `npm run synth`
 * wrote, each invocation in a container of the offline image under Lambda's runtime interface
 * client; moto's server on loopback is S3, holding failure records in the shape Lambda's S3
 * on-failure destination writes; the CLI runs as an operator runs it, `npm run replay -- …` in
 * a process of its own, with every AWS endpoint on loopback. What the function stored is read
 * back from the harness broker: every span by traceId with its bytes on Java's partition, every
 * refused record dead-lettered with its reason.
 *
 * One start-lambda serves every case (its function produces to one span topic and one
 * dead-letter topic, so each case reads only what its own run wrote); a second one, whose
 * environment the function refuses at cold start, serves the function-error case.
 */

const sam = inject('sam');
const docker = dockerApi(sam.dockerSocket);
const PARTITIONS = 6;
const SHARD_0 = 'shardId-000000000000';
const SHARD_1 = 'shardId-000000000001';
const SHARD_2 = 'shardId-000000000002';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'sam-replay-'));
const topic = randomTopic('sam-replay-spans');
const dlq = randomTopic('sam-replay-dlq');
const sets = new RecordSets();

let moto: Moto | undefined;
let s3: S3Client;
let api: LocalLambdaApi | undefined;
let misconfigured: LocalLambdaApi | undefined;

beforeAll(async () => {
  await Promise.all([
    createTopic(sam.brokers, topic, PARTITIONS),
    createTopic(sam.brokers, dlq, 1),
  ]);
  const env = (name: string, extra?: Record<string, string>) =>
    writeCollectorEnv(path.join(tmp, `${name}.json`), sam.brokers, { topic, dlq }, extra);
  // Started side by side; whatever started is stopped by afterAll even if another failed.
  const started = await Promise.allSettled([
    startMoto().then((m) => {
      moto = m;
    }),
    startLocalLambdaApi(sam.dockerHost, sam.image, env('healthy')).then((a) => {
      api = a;
    }),
    startLocalLambdaApi(
      sam.dockerHost,
      sam.image,
      env('misconfigured', { KAFKA_SASL_MECHANISM: 'kerberos' }),
    ).then((a) => {
      misconfigured = a;
    }),
  ]);
  for (const r of started) if (r.status === 'rejected') throw r.reason;
  s3 = motoS3(moto as Moto);
});

afterAll(async () => {
  await Promise.all([api?.stop(), misconfigured?.stop()]);
  s3?.destroy();
  await moto?.stop();
  rmSync(tmp, { recursive: true, force: true });
  expect(await docker.containers()).toEqual([]);
});

const replay = (...args: string[]) => replayCli(moto as Moto, args);

/** `run --bucket <bucket> --function CollectorFunction --endpoint <server> …` */
const runOn = (server: LocalLambdaApi | undefined, bucket: string, ...more: string[]) =>
  replay(
    'run',
    '--bucket',
    bucket,
    '--function',
    FUNCTION_ID,
    '--endpoint',
    (server as LocalLambdaApi).endpoint,
    ...more,
  );

/** The same through the healthy function. */
const replayRun = (bucket: string, ...more: string[]) => runOn(api, bucket, ...more);

/** A fresh bucket holding `planned` as Lambda wrote them. */
async function bucketWith(planned: readonly PlannedSet[]): Promise<string> {
  const bucket = randomTopic('failures').toLowerCase();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const set of planned) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: set.key, Body: set.body }));
  }
  return bucket;
}

const keysIn = async (bucket: string): Promise<string[]> =>
  ((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? [])
    .map((o) => o.Key ?? '')
    .sort();

const tagsOf = async (bucket: string, key: string) =>
  Object.fromEntries(
    ((await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }))).TagSet ?? []).map(
      (t) => [t.Key, t.Value],
    ),
  );

const keysOf = (planned: readonly PlannedSet[]) => planned.map((s) => s.key).sort();
const recordsOf = (planned: readonly PlannedSet[]) =>
  planned.reduce((n, s) => n + s.records.length, 0);

/** Where both topics end now: what a run writes after this is that run's. */
async function offsets() {
  const [spans, letters] = await Promise.all([
    endOffsets(sam.brokers, topic),
    endOffsets(sam.brokers, dlq),
  ]);
  return { spans, letters };
}

/** The span messages and dead letters written since `from`, as comparable rows. */
async function writtenSince(
  from: Awaited<ReturnType<typeof offsets>>,
  expected: { spans: number; letters: number },
) {
  const [spans, letters] = await Promise.all([
    readAfter(sam.brokers, topic, from.spans, expected.spans),
    readAfter(sam.brokers, dlq, from.letters, expected.letters),
  ]);
  return { spans: spans.map(spanRow).sort(), letters: letters.map(letterRow).sort() };
}

const spanRow = messageRow;

/** A span as it must be stored: under its traceId, bytes as sent, on Java's partition. */
const expectedRow = (s: ExpectedMessage) =>
  spanRow({ ...s, partition: javaPartition(s.key, PARTITIONS) });

const letterRow = (m: ReadMessage) =>
  JSON.stringify({
    key: m.key?.toString(),
    value: m.value?.toString('base64'),
    reason: m.headers[DeadLetterHeader.reason]?.toString(),
    sequenceNumber: m.headers[DeadLetterHeader.sequenceNumber]?.toString(),
    subSequenceNumber: m.headers[DeadLetterHeader.subSequenceNumber]?.toString(),
  });

const expectedLetterRow = (l: ExpectedLetter) =>
  JSON.stringify({
    key: l.key,
    value: l.value,
    reason: l.reason,
    sequenceNumber: l.sequenceNumber,
    subSequenceNumber: l.subSequenceNumber,
  });

function expectedWrites(planned: readonly PlannedSet[]) {
  return {
    spans: planned
      .flatMap((s) => s.spans)
      .map(expectedRow)
      .sort(),
    letters: planned
      .flatMap((s) => s.letters)
      .map(expectedLetterRow)
      .sort(),
  };
}

/** Runs `act` and returns, with its result, the containers the daemon created meanwhile. */
async function counting<T>(act: () => Promise<T>): Promise<{ result: T; containers: string[] }> {
  const since = new Date();
  const result = await act();
  return { result, containers: await docker.containersCreated(since, new Date()) };
}

/** Waits until SAM's output (the function containers' logs) holds `text`. */
async function samPrinted(server: LocalLambdaApi, text: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!server.output().includes(text)) {
    if (Date.now() > deadline) throw new Error(`SAM never printed ${text}:\n${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const spans = (trace: string, n: number) =>
  Array.from({ length: n }, (_, i) => traceSpan(trace, { operationName: `op-${i}` }));
const notProtobuf = Buffer.from('{"traceId":"json is not a span"}');

/**
 * The main case's five record sets on three shards: plain records and KPL aggregates, with
 * refused records among them (plain, inside an aggregate, and a whole aggregate with a bad
 * digest), and traces whose spans land on every partition of the topic.
 */
function mainSets(): PlannedSet[] {
  return [
    sets.set(SHARD_0, [
      ...spans('trace-a0', 3).map(plain),
      refused(notProtobuf, 'undecodable', 'not-protobuf'),
      plain(traceSpan('trace-a1')),
      refused(
        spanBytes(traceSpan('trace-a2', { serviceName: '' })),
        'missing-service-name',
        'trace-a2',
      ),
    ]),
    sets.set(SHARD_0, [
      kpl('agg-b0', [...spans('trace-b0', 4), ...spans('trace-b1', 2)]),
      kpl('agg-b1', [
        traceSpan('trace-b2'),
        { refused: notProtobuf, reason: 'undecodable' },
        ...spans('trace-b3', 3),
      ]),
      plain(traceSpan('trace-b4')),
    ]),
    sets.set(SHARD_1, [
      corruptKpl('agg-c0', spans('trace-c-lost', 3)),
      ...spans('trace-c0', 2).map(plain),
      refused(spanBytes(traceSpan('trace-c1', { duration: -1 })), 'negative-duration', 'trace-c1'),
      plain(traceSpan('trace-c2')),
    ]),
    sets.set(SHARD_1, [
      kpl('agg-d0', [...spans('trace-d0', 2), ...spans('trace-d1', 2), traceSpan('trace-d2')]),
    ]),
    sets.set(SHARD_2, [
      ...['trace-e0', 'trace-e1', 'trace-e2', 'trace-e3', 'trace-e4', 'trace-e5', 'trace-e6']
        .map((t) => traceSpan(t))
        .map(plain),
    ]),
  ];
}

describe('npm run replay through sam local start-lambda (the function under Lambda’s runtime interface client)', () => {
  it('--dry-run reads and checks every record set, invokes nothing and changes nothing', async () => {
    const planned = mainSets();
    const bucket = await bucketWith(planned);
    const from = await offsets();

    const { result, containers } = await counting(() => replayRun(bucket, '--dry-run'));

    expect(result.code, result.stdout + result.stderr).toBe(0);
    for (const set of planned) {
      expect(result.stdout).toContain(
        `would replay ${set.key}: ${set.records.length} records of ${set.shard}`,
      );
    }
    expect(result.stdout).toContain(
      `would replay 5 (${recordsOf(planned)} records); dry run: nothing invoked, nothing changed`,
    );
    expect(containers).toEqual([]);
    expect(await keysIn(bucket)).toEqual(keysOf(planned));
    for (const set of planned) expect(await tagsOf(bucket, set.key)).toEqual({});
    expect(await writtenSince(from, { spans: 0, letters: 0 })).toEqual({ spans: [], letters: [] });
  });

  it('run: every span in Kafka under its traceId, bytes as sent, on Java’s partition; every refused record dead-lettered; every record set deleted', async () => {
    const planned = mainSets();
    const bucket = await bucketWith(planned);
    const expected = expectedWrites(planned);
    const from = await offsets();

    const { result, containers } = await counting(() => replayRun(bucket));

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(`replayed     5 (${recordsOf(planned)} records stored)`);
    expect(result.stdout).toContain('verdict      DONE');
    for (const set of planned) {
      expect(result.stdout).toContain(
        `replayed    ${set.key}: ${set.records.length} records stored; deleted`,
      );
    }
    // Each invocation runs in a fresh container (the first also builds SAM's emulator layer):
    // what the dry run and a skipping run must not start.
    expect(containers.length).toBeGreaterThanOrEqual(planned.length);
    // The test data's own reach: spans on every partition, a dead letter of each kind.
    expect(new Set(expected.spans.map((row) => row.split(' ')[0])).size).toBe(PARTITIONS);
    expect(new Set(planned.flatMap((s) => s.letters.map((l) => l.reason)))).toEqual(
      new Set([
        'undecodable',
        'missing-service-name',
        'kpl-checksum-mismatch',
        'negative-duration',
      ]),
    );
    expect(
      await writtenSince(from, { spans: expected.spans.length, letters: expected.letters.length }),
    ).toEqual(expected);
    expect(await keysIn(bucket)).toEqual([]);
  });

  it('run --tag keeps a replayed record set, tagged; a second run skips it, invoking nothing; --again replays it again', async () => {
    const planned = [
      sets.set(SHARD_1, [
        plain(traceSpan('trace-tag-0')),
        refused(notProtobuf, 'undecodable', 'tag-refused'),
        plain(traceSpan('trace-tag-1')),
      ]),
    ];
    const [set] = planned as [PlannedSet];
    const bucket = await bucketWith(planned);
    const expected = expectedWrites(planned);
    const from = await offsets();

    const beforeFirst = Date.now();
    const first = await replayRun(bucket, '--tag');
    const firstTag = await tagsOf(bucket, set.key);
    const second = await counting(() => replayRun(bucket, '--tag'));
    const beforeThird = Date.now();
    const third = await replayRun(bucket, '--tag', '--again');

    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toContain(`replayed    ${set.key}: 3 records stored; tagged replayed`);
    expect(Object.keys(firstTag)).toEqual(['replayed']);
    expect(Date.parse(firstTag.replayed ?? '')).toBeGreaterThanOrEqual(beforeFirst);
    expect(second.result.code).toBe(0);
    expect(second.result.stdout).toContain(`skipped     ${set.key}: replayed at `);
    expect(second.result.stdout).toContain('replayed     0 ');
    expect(second.containers).toEqual([]);
    expect(third.code, third.stdout + third.stderr).toBe(0);
    expect(third.stdout).toContain('replayed     1 (3 records stored)');
    expect(await keysIn(bucket)).toEqual([set.key]);
    expect(Date.parse((await tagsOf(bucket, set.key)).replayed ?? '')).toBeGreaterThanOrEqual(
      beforeThird,
    );
    // Replayed twice, stored twice: delivery is at least once, never less.
    expect(
      await writtenSince(from, {
        spans: 2 * expected.spans.length,
        letters: 2 * expected.letters.length,
      }),
    ).toEqual({
      spans: [...expected.spans, ...expected.spans].sort(),
      letters: [...expected.letters, ...expected.letters].sort(),
    });
  });

  it('the span topic missing: the record set stays where it is, the reason printed, exit 1; once the topic is back, a second run stores and deletes it', async () => {
    const planned = [sets.set(SHARD_2, spans('trace-outage', 3).map(plain))];
    const [set] = planned as [PlannedSet];
    const bucket = await bucketWith(planned);
    const logged = (api as LocalLambdaApi).output().length;

    await deleteTopic(sam.brokers, topic);
    let left: Awaited<ReturnType<typeof replay>>;
    try {
      left = await replayRun(bucket);
    } finally {
      await createTopic(sam.brokers, topic, PARTITIONS);
    }
    const from = await offsets();
    const again = await replayRun(bucket);

    expect(left.code, left.stdout + left.stderr).toBe(1);
    expect(left.stdout).toContain(
      `left        ${set.key}: 3 of 3 records not stored, from sequence number ${set.records[0]?.kinesis.sequenceNumber}`,
    );
    expect(left.stdout).toContain(
      'left         1 (3 records not stored; fix the cause, then run again)',
    );
    expect(left.stdout).toContain('verdict      INCOMPLETE');
    // SAM's local Invoke API gives no log tail (AWS's does, and the replay prints it): the
    // function's own log, in SAM's output, names the Kafka error and its fix.
    await samPrinted(api as LocalLambdaApi, 'UNKNOWN_TOPIC_OR_PARTITION');
    expect((api as LocalLambdaApi).output().slice(logged)).toContain('UNKNOWN_TOPIC_OR_PARTITION');
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain('replayed     1 (3 records stored)');
    expect(await writtenSince(from, { spans: 3, letters: 0 })).toEqual(expectedWrites(planned));
    expect(await keysIn(bucket)).toEqual([]);
  });

  it('reports a record it cannot read, changes nothing about it, and still replays the others', async () => {
    const planned = [sets.set(SHARD_0, [plain(traceSpan('trace-readable'))])];
    const bucket = await bucketWith(planned);
    const at = new Date();
    const notJson = failureRecordKey(MAPPING_UUID, SHARD_1, at);
    const metadataOnly = failureRecordKey(MAPPING_UUID, SHARD_0, at);
    const { body } = failureRecord({ Records: planned[0]?.records ?? [] });
    const { payload: _payload, ...sqsShape } = JSON.parse(body) as Record<string, unknown>;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: notJson, Body: '{"truncated' }));
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: metadataOnly, Body: JSON.stringify(sqsShape) }),
    );
    const from = await offsets();

    const { code, stdout } = await replayRun(bucket);

    expect(code, stdout).toBe(1);
    expect(stdout).toContain(`unreadable  ${notJson}: cannot be replayed: not JSON`);
    expect(stdout).toContain(
      `unreadable  ${metadataOnly}: cannot be replayed: no payload: a metadata-only record (the SQS/SNS shape); re-read ${SHARD_0}`,
    );
    expect(stdout).toContain('replayed     1 (1 records stored)');
    expect(await writtenSince(from, { spans: 1, letters: 0 })).toEqual(expectedWrites(planned));
    expect(await keysIn(bucket)).toEqual([notJson, metadataOnly].sort());
  });

  it('a function that fails (its environment refused at cold start) leaves the record set in place, with the function’s error', async () => {
    const planned = [sets.set(SHARD_0, [plain(traceSpan('trace-misconfigured'))])];
    const bucket = await bucketWith(planned);
    const from = await offsets();

    const { code, stdout } = await runOn(misconfigured, bucket);

    expect(code, stdout).toBe(1);
    expect(stdout).toContain(
      `left        ${planned[0]?.key}: the function failed (Unhandled): ConfigError: `,
    );
    expect(stdout).toContain('KAFKA_SASL_MECHANISM="kerberos" is not accepted');
    expect(await keysIn(bucket)).toEqual(keysOf(planned));
    expect(await writtenSince(from, { spans: 0, letters: 0 })).toEqual({ spans: [], letters: [] });
  });

  it('stops with a clear error, changing nothing, when the endpoint serves no such function', async () => {
    const planned = [sets.set(SHARD_0, [plain(traceSpan('trace-no-function'))])];
    const bucket = await bucketWith(planned);
    const endpoint = (api as LocalLambdaApi).endpoint;

    const { result, containers } = await counting(() =>
      replay('run', '--bucket', bucket, '--function', 'NoSuchFunction', '--endpoint', endpoint),
    );

    expect(result.code, result.stdout + result.stderr).toBe(3);
    expect(result.stderr).toContain(
      `replay: function NoSuchFunction (${endpoint}) does not exist: give the stack's FunctionName output as --function`,
    );
    expect(result.stdout).toContain('not started  1');
    expect(containers).toEqual([]);
    expect(await keysIn(bucket)).toEqual(keysOf(planned));
  });
});
