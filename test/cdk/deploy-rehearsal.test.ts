import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STACK_NAME } from '../../cdk/defaults.js';
import { type Moto, startMoto } from '../harness/moto.js';

/**
 * `cdk deploy` rehearsed end to end with the real CDK CLI against moto's server on loopback,
 * through test/rehearsal/moto_shim.py (moto 5.2.1 plus what it lacks for this stack; the
 * README there lists what moto does not check): bootstrap, deploy of cdk.json's example
 * settings, an update through a change set, `cdk diff`, destroy. Not an AWS account: IAM,
 * architecture, VPC IDs and stream mode pass unchecked here.
 */

const run = promisify(execFile);
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';

interface Inventory {
  stacks: Record<
    string,
    {
      status: string;
      outputs: Record<string, string>;
      resources: Record<string, { type: string; id: string }>;
    }
  >;
  functions: Record<
    string,
    { memory: number; runtime: string; handler: string; codeSha256: string }
  >;
  mappings: Array<{ uuid: string; source: string; function: string; destination: string | null }>;
  streams: string[];
  buckets: Record<string, { encryption: string | null; policy: { Statement: unknown[] } | null }>;
  alarms: Record<string, number>;
  dashboards: string[];
  logGroups: string[];
  roles: string[];
}
type Template = {
  Resources: Record<
    string,
    { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string }
  >;
};

let moto: Moto;
let work: string;
let out: string;
let env: NodeJS.ProcessEnv;
let changed: string;

beforeAll(async () => {
  moto = await startMoto(['test/rehearsal/moto_shim.py']);
  work = mkdtempSync(path.join(os.tmpdir(), 'deploy-rehearsal-'));
  out = path.join(work, 'cdk.out');
  const home = path.join(work, 'home');
  await run('mkdir', ['-p', home]);
  // moto reads bucket and key from a template URL's path only when its host is `localhost`.
  const endpoint = `http://localhost:${moto.port}`;
  env = {
    PATH: process.env.PATH,
    // No ~/.aws of this machine: the moto credentials below and nothing else.
    HOME: home,
    CI: 'true',
    NODE_OPTIONS: '--dns-result-order=ipv4first',
    AWS_ACCESS_KEY_ID: 'moto',
    AWS_SECRET_ACCESS_KEY: 'moto',
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL: endpoint,
    AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION: endpoint,
  };
  const { collector } = JSON.parse(readFileSync('cdk.json', 'utf8')).context as {
    collector: { function: Record<string, number> };
  };
  changed = path.join(work, 'changed.json');
  writeFileSync(
    changed,
    JSON.stringify({ ...collector, function: { ...collector.function, memoryMb: 2048 } }),
  );
}, 120_000);

afterAll(async () => {
  await moto?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The CDK CLI with cdk.json's app (the bundle is already built by `npm test`), into a temp dir. */
async function cdk(...args: string[]): Promise<string> {
  const { stdout, stderr } = await run(
    process.execPath,
    ['node_modules/aws-cdk/bin/cdk', ...args, '--app', 'npx tsx cdk/app.ts', '--output', out],
    { env, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 },
  );
  return `${stdout}${stderr}`;
}

async function inventory(): Promise<Inventory> {
  const { stdout } = await run(
    'python3',
    ['test/rehearsal/inventory.py', `http://127.0.0.1:${moto.port}`, REGION],
    { timeout: 60_000 },
  );
  return JSON.parse(stdout) as Inventory;
}

const template = (): Template =>
  JSON.parse(readFileSync(path.join(out, `${STACK_NAME}.template.json`), 'utf8')) as Template;

describe('cdk deploy rehearsed against moto', () => {
  it('bootstraps the environment', async () => {
    const log = await cdk('bootstrap', `aws://${ACCOUNT}/${REGION}`);

    expect(log).toContain(`Environment aws://${ACCOUNT}/${REGION} bootstrapped`);
    expect((await inventory()).stacks.CDKToolkit?.outputs.BootstrapVersion).toMatch(/^\d+$/);
  }, 300_000);

  it('deploys: every resource of the template is created, and the function runs the bundle byte for byte', async () => {
    await cdk('deploy', '--require-approval', 'never');

    const now = await inventory();
    const stack = now.stacks[STACK_NAME];
    const resources = template().Resources;
    expect(stack?.status).toBe('CREATE_COMPLETE');
    expect(
      Object.fromEntries(Object.entries(stack?.resources ?? {}).map(([id, r]) => [id, r.type])),
    ).toEqual(Object.fromEntries(Object.entries(resources).map(([id, r]) => [id, r.Type])));
    expect(Object.keys(stack?.outputs ?? {}).sort()).toEqual([
      'EventSourceMappingUuid',
      'FailureBucketName',
      'FunctionName',
    ]);

    const fn = now.functions[stack?.outputs.FunctionName ?? ''];
    expect(fn).toMatchObject({ runtime: 'nodejs24.x', handler: 'handler.handler', memory: 1024 });
    const code = resources.CollectorFunction?.Properties.Code as { S3Key: string };
    const zip = await assetObject(code.S3Key);
    expect(fn?.codeSha256).toBe(createHash('sha256').update(zip).digest('base64'));
    expect(await unzipped(zip, 'handler.js')).toEqual(readFileSync('dist/handler.js'));

    const bucket = stack?.outputs.FailureBucketName ?? '';
    expect(now.mappings).toEqual([
      expect.objectContaining({
        uuid: stack?.outputs.EventSourceMappingUuid,
        destination: `arn:aws:s3:::${bucket}`,
      }),
    ]);
    // moto applies a bucket's encryption and tags from a template, not its versioning or lifecycle.
    expect(now.buckets[bucket]?.encryption).toBe('AES256');
    expect(JSON.stringify(now.buckets[bucket]?.policy)).toContain('aws:SecureTransport');
    expect(Object.keys(now.alarms)).toHaveLength(8);
    expect(now.dashboards).toEqual([STACK_NAME]);
  }, 300_000);

  it('applies an update through a change set', async () => {
    const log = await cdk('deploy', '--require-approval', 'never', '-c', `collector=${changed}`);

    const now = await inventory();
    expect(log).toContain('creating CloudFormation changeset');
    expect(now.stacks[STACK_NAME]?.status).toBe('UPDATE_COMPLETE');
    expect(now.functions[now.stacks[STACK_NAME]?.outputs.FunctionName ?? '']?.memory).toBe(2048);
  }, 300_000);

  it('diffs the deployed stack against the settings, through a change set', async () => {
    const log = await cdk('diff');

    expect(log).not.toContain('Could not create a change set');
    expect(log).toMatch(/MemorySize\s+├─ \[-\] 2048\s+└─ \[\+\] 1024/);
    expect(log).toContain('Number of stacks with differences: 1');
  }, 300_000);

  it('destroys everything but the resources the template retains', async () => {
    const before = await inventory();
    const deployed = before.stacks[STACK_NAME]?.resources ?? {};
    const retained = Object.entries(template().Resources)
      .filter(([, r]) => r.DeletionPolicy === 'Retain')
      .map(([id]) => id);

    await cdk('destroy', '--force');

    const after = await inventory();
    const id = (logicalId: string) => deployed[logicalId]?.id ?? '';
    expect(after.stacks[STACK_NAME]).toBeUndefined();
    expect(retained.map((r) => deployed[r]?.type).sort()).toEqual([
      'AWS::Kinesis::Stream',
      'AWS::Logs::LogGroup',
      'AWS::S3::Bucket',
      'AWS::S3::Bucket',
    ]);
    for (const logicalId of retained) {
      const kept = [...after.streams, ...Object.keys(after.buckets), ...after.logGroups];
      expect(kept).toContain(id(logicalId));
    }
    expect(after.functions).toEqual({});
    expect(after.mappings).toEqual([]);
    expect(after.alarms).toEqual({});
    expect(after.dashboards).toEqual([]);
    expect(after.roles).not.toContain(id('CollectorRole4C6A1291'));
  }, 300_000);
});

async function assetObject(key: string): Promise<Buffer> {
  const s3 = new S3Client({
    region: REGION,
    endpoint: `http://127.0.0.1:${moto.port}`,
    forcePathStyle: true,
    credentials: { accessKeyId: 'moto', secretAccessKey: 'moto' },
  });
  try {
    const object = await s3.send(
      new GetObjectCommand({ Bucket: `cdk-hnb659fds-assets-${ACCOUNT}-${REGION}`, Key: key }),
    );
    return Buffer.from((await object.Body?.transformToByteArray()) ?? []);
  } finally {
    s3.destroy();
  }
}

/** One file out of a zip, with Python's zipfile (the rehearsal needs Python for moto anyway). */
async function unzipped(zip: Buffer, name: string): Promise<Buffer> {
  const dir = mkdtempSync(path.join(work, 'zip-'));
  writeFileSync(path.join(dir, 'asset.zip'), zip);
  await run('python3', ['-m', 'zipfile', '-e', path.join(dir, 'asset.zip'), path.join(dir, 'x')]);
  expect(readdirSync(path.join(dir, 'x'))).toContain(name);
  return readFileSync(path.join(dir, 'x', name));
}
