import {
  CreateBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { KinesisStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Moto, startMoto } from '../harness/moto.js';
import { freePort } from '../harness/ports.js';
import { randomTopic } from '../harness/topics.js';
import { encodeSpan, kinesisRecord } from '../helpers/factories.js';
import { failureRecord, MAPPING_UUID } from '../helpers/failure-records.js';
import { denied, startRefusingInvokeApi, THROTTLED } from '../helpers/invoke-api.js';
import { motoS3, replayCli } from '../helpers/replay-cli.js';

/**
 * `npm run replay` as an operator runs it, the CLI in a process of its own against S3 from
 * moto's server on loopback holding failure records in the shape Lambda writes them: listing,
 * inspecting, selecting, and every way a run stops before it invokes anything or because AWS
 * refuses the invocation. Replaying through the function itself (spans in Kafka, record sets
 * deleted, tagged or left, dry runs, function errors, unreadable records) is proven against
 * the function under Lambda's runtime interface client, served by `sam local start-lambda`, in
 * test/sam/replay.test.ts (`npm run test:sam`).
 */

let moto: Moto;
let s3: S3Client;

beforeAll(async () => {
  moto = await startMoto();
  s3 = motoS3(moto);
});

afterAll(async () => {
  s3?.destroy();
  await moto?.stop();
});

const replay = (...args: string[]) => replayCli(moto, args);
/** `run` of the failure records in `bucket` through CollectorFunction at `endpoint`. */
const replayThrough = (endpoint: string, bucket: string) =>
  replay('run', '--bucket', bucket, '--function', 'CollectorFunction', '--endpoint', endpoint);

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
  it.each([
    {
      when: 'AWS throttles the function (after the SDK’s two retries)',
      refusal: THROTTLED,
      message: (fn: string) =>
        `replay: ${fn} is throttled (its reserved or the account's concurrency is in use): run again later, or with --concurrency 1`,
      notStarted: 'not started  1 (run again later)\n',
      requests: 3,
    },
    {
      when: 'the caller may not invoke the function',
      refusal: denied('CollectorFunction'),
      message: (fn: string) =>
        `replay: not allowed to invoke ${fn}: the caller needs lambda:InvokeFunction on it (AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/on-call/operator is not authorized to perform: lambda:InvokeFunction`,
      notStarted: 'not started  1\n',
      requests: 1,
    },
  ])('stops with a clear error, changing nothing, when $when', async (c) => {
    const { bucket, keys } = await bucketWith([{ shard: SHARD_0, traceIds: ids('refused', 1) }]);
    const api = await startRefusingInvokeApi(c.refusal);

    try {
      const { code, stderr, stdout } = await replayThrough(api.endpoint, bucket);

      expect(code).toBe(3);
      expect(stderr).toContain(c.message(`function CollectorFunction (${api.endpoint})`));
      expect(stdout).toContain(c.notStarted);
      expect(api.requests()).toBe(c.requests);
      expect(await keysIn(bucket)).toEqual(keys);
    } finally {
      await api.close();
    }
  });

  it('stops with a clear error when the Invoke API cannot be reached', async () => {
    const { bucket, keys } = await bucketWith([{ shard: SHARD_0, traceIds: ids('noapi', 1) }]);
    const closed = `http://127.0.0.1:${await freePort()}`;

    const { code, stderr } = await replayThrough(closed, bucket);

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
