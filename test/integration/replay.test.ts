import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  CreateBucketCommand,
  GetObjectTaggingCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { KinesisStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedKafka } from '../harness/context.js';
import { type Moto, startMoto } from '../harness/moto.js';
import { freePort } from '../harness/ports.js';
import { createTopic, randomTopic, readAll } from '../harness/topics.js';
import { type Collector, collector } from '../helpers/collector.js';
import { encodeSpan, kinesisRecord } from '../helpers/factories.js';
import { failureRecord, MAPPING_UUID } from '../helpers/failure-records.js';
import { type InvokeApi, startInvokeApi } from '../helpers/invoke-api.js';

/**
 * `npm run replay` end to end, as an operator runs it: the CLI in a process of its own, S3 from
 * moto's server on loopback holding failure records in the shape Lambda writes them, the
 * Invoke API on loopback serving the real handler (test/helpers/invoke-api.ts, answering as
 * `sam local start-lambda` does), and the shared Kafka broker, where the replayed spans are
 * read back by key.
 */

const kafka = sharedKafka();
const run = promisify(execFile);
const REGION = 'us-east-1';

let moto: Moto;
let s3: S3Client;
let api: InvokeApi;
const open: Collector[] = [];

beforeAll(async () => {
  moto = await startMoto();
  s3 = new S3Client({
    region: REGION,
    endpoint: moto.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'moto', secretAccessKey: 'moto' },
  });
  const healthy = await collectorOn(randomTopic('replay'));
  // A topic that does not exist: every span comes back unacknowledged, as in a real outage.
  const stalled = await collector(kafka.brokers, {
    KAFKA_TOPIC: randomTopic('replay-missing'),
    KAFKA_RETRIES: '1',
  });
  open.push(stalled);
  api = await startInvokeApi({
    CollectorFunction: healthy.handler,
    StalledFunction: stalled.handler,
    BrokenFunction: () => {
      throw new TypeError('Cannot read properties of undefined');
    },
  });
});

afterAll(async () => {
  await api?.close();
  await Promise.all(open.map((c) => c.close()));
  s3?.destroy();
  await moto?.stop();
});

/** The real handler producing to `topic`, created with 3 partitions. */
async function collectorOn(topic: string): Promise<Collector> {
  await createTopic(kafka.brokers, topic, 3);
  const c = await collector(kafka.brokers, { KAFKA_TOPIC: topic });
  open.push(c);
  return c;
}

/** Runs `npm run replay -- …` against moto's S3 and the local Invoke API. */
async function replay(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', 'replay/cli.ts', ...args],
      {
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          AWS_REGION: REGION,
          AWS_ACCESS_KEY_ID: 'moto',
          AWS_SECRET_ACCESS_KEY: 'moto',
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_ENDPOINT_URL_S3: moto.endpoint,
        },
        timeout: 110_000,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** A fresh bucket holding failure records of `batches`; returns their keys and traceIds. */
async function bucketWith(
  batches: Array<{ shard: string; traceIds: string[]; at?: Date; mappingUuid?: string }>,
): Promise<{ bucket: string; keys: string[]; traceIds: string[] }> {
  const bucket = randomTopic('failures').toLowerCase();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const keys: string[] = [];
  let position = 0;
  for (const batch of batches) {
    const event: KinesisStreamEvent = {
      Records: batch.traceIds.map((traceId) =>
        kinesisRecord(encodeSpan({ traceId }), {
          position: position++,
          shardId: batch.shard,
          partitionKey: traceId,
        }),
      ),
    };
    const { key, body } = failureRecord(event, { at: batch.at, mappingUuid: batch.mappingUuid });
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    keys.push(key);
  }
  return { bucket, keys, traceIds: batches.flatMap((b) => b.traceIds) };
}

const keysIn = async (bucket: string): Promise<string[]> =>
  ((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map(
    (o) => o.Key ?? '',
  );
const ids = (label: string, n: number) => Array.from({ length: n }, (_, i) => `${label}-${i}`);
const SHARD_0 = 'shardId-000000000000';
const SHARD_1 = 'shardId-000000000001';

describe('npm run replay list', () => {
  it('shows the stream, shard, sequence range, record count and why each batch was given up', async () => {
    const { bucket, keys } = await bucketWith([
      { shard: SHARD_0, traceIds: ids('list-a', 3) },
      { shard: SHARD_1, traceIds: ids('list-b', 2) },
    ]);

    const { code, stdout } = await replay('list', '--bucket', bucket);

    expect(code).toBe(0);
    for (const key of keys) expect(stdout).toContain(`s3://${bucket}/${key}`);
    expect(stdout).toContain(
      'stream     arn:aws:kinesis:us-east-1:123456789012:stream/haystack-proto-spans',
    );
    expect(stdout).toContain(`shard      ${SHARD_1}`);
    expect(stdout).toContain('records    3 ');
    expect(stdout).toContain('given up');
    expect(stdout).toContain(
      'RetryAttemptsExhausted after 1,001 invocations, last function error Unhandled',
    );
    expect(stdout).toContain(`2 failure records in s3://${bucket}, 5 Kinesis records`);
  });

  it('selects by shard, by time written, by key and by prefix', async () => {
    const now = Date.now();
    const { bucket, keys } = await bucketWith([
      { shard: SHARD_0, traceIds: ids('sel-a', 1), at: new Date(now - 5 * 3_600_000) },
      { shard: SHARD_0, traceIds: ids('sel-b', 1), at: new Date(now - 3_600_000) },
      { shard: SHARD_1, traceIds: ids('sel-c', 1), at: new Date(now - 3_600_000) },
      {
        shard: SHARD_1,
        traceIds: ids('sel-d', 1),
        mappingUuid: 'ffffffff-0000-0000-0000-000000000000',
      },
    ]);
    const listed = async (...args: string[]) =>
      (await replay('list', '--bucket', bucket, '--json', ...args)).stdout
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { key: string }).key);

    expect(await listed('--shard', SHARD_0)).toEqual([keys[0], keys[1]]);
    expect(await listed('--since', '2h')).toEqual([keys[1], keys[2], keys[3]].sort());
    expect(await listed('--until', '2h')).toEqual([keys[0]]);
    expect(await listed('--key', keys[2] as string)).toEqual([keys[2]]);
    expect(await listed('--prefix', `aws/lambda/${MAPPING_UUID}/`)).toEqual(
      [keys[0], keys[1], keys[2]].sort(),
    );
  });

  it('inspect shows one record set and its records', async () => {
    const { bucket, keys } = await bucketWith([{ shard: SHARD_0, traceIds: ids('inspect', 3) }]);

    const { code, stdout } = await replay(
      'inspect',
      '--bucket',
      bucket,
      '--key',
      keys[0] as string,
    );

    expect(code).toBe(0);
    expect(stdout).toContain('sequence number');
    for (const traceId of ids('inspect', 3)) expect(stdout).toContain(traceId);
  });
});

describe('npm run replay run', () => {
  it('--dry-run checks every record set but invokes nothing and changes nothing', async () => {
    const { bucket, keys } = await bucketWith([{ shard: SHARD_0, traceIds: ids('dry', 2) }]);
    const before = api.invocations.get('CollectorFunction') ?? 0;

    const { code, stdout } = await replay(
      'run',
      '--bucket',
      bucket,
      '--function',
      'CollectorFunction',
      '--endpoint',
      api.endpoint,
      '--dry-run',
    );

    expect(code).toBe(0);
    expect(stdout).toContain(`would replay ${keys[0]}: 2 records of ${SHARD_0}`);
    expect(stdout).toContain('dry run: nothing invoked, nothing changed');
    expect(api.invocations.get('CollectorFunction') ?? 0).toBe(before);
    expect(await keysIn(bucket)).toEqual(keys);
  });

  it('replays every record set through the function, puts every span in Kafka under its traceId, and deletes what was stored', async () => {
    const { bucket, traceIds } = await bucketWith([
      { shard: SHARD_0, traceIds: ids('replay-a', 4) },
      { shard: SHARD_0, traceIds: ids('replay-b', 3) },
      { shard: SHARD_1, traceIds: ids('replay-c', 5) },
    ]);
    const topic = randomTopic('replayed');
    api.serve('ReplayedFunction', (await collectorOn(topic)).handler);

    const { code, stdout } = await replay(
      'run',
      '--bucket',
      bucket,
      '--function',
      'ReplayedFunction',
      '--endpoint',
      api.endpoint,
    );

    expect(code, stdout).toBe(0);
    expect(stdout).toContain('replayed     3 (12 records stored)');
    expect(stdout).toContain('[3/3] replayed');
    expect(stdout).toContain('verdict      DONE');
    const read = await readAll(kafka.brokers, topic, traceIds.length);
    expect(read.map((m) => m.key?.toString()).sort()).toEqual([...traceIds].sort());
    expect(await keysIn(bucket)).toEqual([]);
  });

  it('--tag keeps replayed records, tagged, and a second run skips them unless --again', async () => {
    const { bucket, keys } = await bucketWith([{ shard: SHARD_0, traceIds: ids('tag', 2) }]);
    const args = [
      'run',
      '--bucket',
      bucket,
      '--function',
      'CollectorFunction',
      '--endpoint',
      api.endpoint,
      '--tag',
    ];

    const first = await replay(...args);
    const second = await replay(...args);
    const third = await replay(...args, '--again');

    expect(first.code).toBe(0);
    expect(await keysIn(bucket)).toEqual(keys);
    const { TagSet } = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: keys[0] }));
    expect(TagSet?.[0]?.Key).toBe('replayed');
    expect(Date.parse(TagSet?.[0]?.Value ?? '')).toBeGreaterThan(Date.now() - 120_000);
    expect(second.stdout).toContain('skipped     ');
    expect(second.stdout).toContain('replayed     0 ');
    expect(third.stdout).toContain('replayed     1 (2 records stored)');
  });

  it('leaves a record set whose records were not all stored where it is, and prints why', async () => {
    const { bucket, keys } = await bucketWith([{ shard: SHARD_0, traceIds: ids('stalled', 3) }]);

    const { code, stdout } = await replay(
      'run',
      '--bucket',
      bucket,
      '--function',
      'StalledFunction',
      '--endpoint',
      api.endpoint,
    );

    expect(code).toBe(1);
    expect(stdout).toContain(
      `left        ${keys[0]}: 3 of 3 records not stored, from sequence number`,
    );
    expect(stdout).toContain(
      'left         1 (3 records not stored; fix the cause, then run again)',
    );
    expect(stdout).toContain('verdict      INCOMPLETE');
    expect(await keysIn(bucket)).toEqual(keys);
  });

  it('leaves it too when the function fails, with the function error', async () => {
    const { bucket, keys } = await bucketWith([{ shard: SHARD_0, traceIds: ids('broken', 1) }]);

    const { code, stdout } = await replay(
      'run',
      '--bucket',
      bucket,
      '--function',
      'BrokenFunction',
      '--endpoint',
      api.endpoint,
    );

    expect(code).toBe(1);
    expect(stdout).toContain(
      'the function failed (Unhandled): TypeError: Cannot read properties of undefined',
    );
    expect(await keysIn(bucket)).toEqual(keys);
  });

  it('reports a record it cannot read, changes nothing about it, and still replays the others', async () => {
    const { bucket, keys } = await bucketWith([{ shard: SHARD_0, traceIds: ids('readable', 2) }]);
    const notJson = `aws/lambda/${MAPPING_UUID}/${SHARD_1}/2026/01/01/2026-01-01T00.00.00-not-json`;
    const metadataOnly = `aws/lambda/${MAPPING_UUID}/${SHARD_1}/2026/01/01/2026-01-01T00.00.01-metadata`;
    const { body } = failureRecord({
      Records: [kinesisRecord(encodeSpan(), { shardId: SHARD_1 })],
    });
    const { payload: _payload, ...sqsShape } = JSON.parse(body) as Record<string, unknown>;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: notJson, Body: '{"truncated' }));
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: metadataOnly, Body: JSON.stringify(sqsShape) }),
    );

    const { code, stdout } = await replay(
      'run',
      '--bucket',
      bucket,
      '--function',
      'CollectorFunction',
      '--endpoint',
      api.endpoint,
    );

    expect(code).toBe(1);
    expect(stdout).toContain(`unreadable  ${notJson}: cannot be replayed: not JSON`);
    expect(stdout).toContain(
      `unreadable  ${metadataOnly}: cannot be replayed: no payload: a metadata-only record (the SQS/SNS shape); re-read ${SHARD_1}`,
    );
    expect(stdout).toContain('replayed     1 (2 records stored)');
    expect((await keysIn(bucket)).sort()).toEqual([notJson, metadataOnly].sort());
    expect(keys).toHaveLength(1);
  });

  it('stops with a clear error, changing nothing, when the function does not exist', async () => {
    const { bucket, keys } = await bucketWith([{ shard: SHARD_0, traceIds: ids('nofn', 1) }]);

    const { code, stderr, stdout } = await replay(
      'run',
      '--bucket',
      bucket,
      '--function',
      'NoSuchFunction',
      '--endpoint',
      api.endpoint,
    );

    expect(code).toBe(3);
    expect(stderr).toContain(
      `replay: function NoSuchFunction (${api.endpoint}) does not exist: give the stack's FunctionName output as --function`,
    );
    expect(stdout).toContain('not started  1');
    expect(await keysIn(bucket)).toEqual(keys);
  });

  it('stops with a clear error when the Invoke API cannot be reached', async () => {
    const { bucket, keys } = await bucketWith([{ shard: SHARD_0, traceIds: ids('noapi', 1) }]);
    const closed = `http://127.0.0.1:${await freePort()}`;

    const { code, stderr } = await replay(
      'run',
      '--bucket',
      bucket,
      '--function',
      'CollectorFunction',
      '--endpoint',
      closed,
    );

    expect(code).toBe(3);
    expect(stderr).toContain(`replay: cannot reach the Lambda Invoke API (${closed}): `);
    expect(stderr).toContain('ECONNREFUSED');
    expect(await keysIn(bucket)).toEqual(keys);
  });

  it('stops with a clear error when the bucket does not exist, or S3 cannot be reached', async () => {
    const missing = await replay('list', '--bucket', 'no-such-failure-bucket');
    const closed = `http://127.0.0.1:${await freePort()}`;
    const unreachable = await replay('list', '--bucket', 'any', '--s3-endpoint', closed);

    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain(
      `replay: bucket no-such-failure-bucket does not exist (${moto.endpoint}): give the stack's FailureBucketName output as --bucket`,
    );
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toContain(`replay: cannot reach S3 (${closed}): `);
  });

  it('refuses bad flags with exit code 2, naming the fix', async () => {
    const noFunction = await replay('run', '--bucket', 'b');
    const badTime = await replay('list', '--bucket', 'b', '--since', 'yesterday');
    const keyAndShard = await replay('list', '--bucket', 'b', '--key', 'k', '--shard', SHARD_0);

    expect(noFunction.code).toBe(2);
    expect(noFunction.stderr).toContain(
      'run needs --function (the FunctionName output), or --dry-run',
    );
    expect(badTime.code).toBe(2);
    expect(badTime.stderr).toContain('--since yesterday: expected an ISO 8601 time');
    expect(keyAndShard.stderr).toContain('--key names one record: drop --shard');
  });
});
