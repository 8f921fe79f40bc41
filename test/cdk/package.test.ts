import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_ARN, STREAM_ARN } from './fixtures.js';

const run = promisify(execFile);
const repo = process.cwd();
const tsc = path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
const versions = JSON.parse(readFileSync('package.json', 'utf8')) as {
  name: string;
  devDependencies: Record<string, string>;
};

/**
 * The package as a platform team uses it: `npm pack`, installed into a CDK app of its own in a
 * temporary folder (with aws-cdk-lib, constructs and cdk-nag of its own), the collector added
 * with `import { HaystackCollector } from '<package>/cdk'` next to an imported stream and
 * cluster, type-checked, and synthesized with cdk-nag's AwsSolutions checks on.
 */
let work: string;
let template: {
  Resources: Record<
    string,
    { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> }
  >;
};
let assetDir: string;

const APP = `import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { type CollectorProps, HaystackCollector } from '${versions.name}/cdk';

const app = new App({ outdir: 'cdk.out' });
const stack = new Stack(app, 'PlatformTracing', {
  env: { account: '111122223333', region: 'eu-west-1' },
});
const settings: CollectorProps = {
  stream: { arn: '${STREAM_ARN}' },
  kafka: {
    bootstrapBrokers: ['b-1.spans.x1.c7.kafka.eu-west-1.amazonaws.com:9098'],
    auth: { mode: 'iam', clusterArn: '${CLUSTER_ARN}' },
  },
  network: {
    vpcId: 'vpc-0123456789abcdef0',
    subnetIds: ['subnet-0123456789abcdef1', 'subnet-0123456789abcdef2'],
    securityGroupIds: ['sg-0123456789abcdef3'],
  },
};
new HaystackCollector(stack, 'Tracing', settings);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();
`;

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'collector-package-'));
  // dist/ is built by `npm test` before this suite, and other files read it while this one
  // runs: prepack's rebuild of it is skipped, its second half (the cdk/ compile) runs here.
  await run(process.execPath, [tsc, '-p', 'tsconfig.cdk.json'], { cwd: repo });
  const { stdout } = await run(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', work],
    {
      cwd: repo,
    },
  );
  const [packed] = JSON.parse(stdout) as Array<{ filename: string }>;
  if (!packed) throw new Error(`npm pack wrote nothing: ${stdout}`);
  const app = path.join(work, 'app');
  await run('mkdir', ['-p', app]);
  writeFileSync(
    path.join(app, 'package.json'),
    JSON.stringify({
      name: 'platform-app',
      private: true,
      dependencies: {
        [versions.name]: `file:${path.join(work, packed.filename)}`,
        'aws-cdk-lib': versions.devDependencies['aws-cdk-lib'],
        constructs: versions.devDependencies.constructs,
        'cdk-nag': versions.devDependencies['cdk-nag'],
      },
    }),
  );
  writeFileSync(
    path.join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        skipLibCheck: true,
        types: [],
        outDir: 'out',
      },
      include: ['app.ts'],
    }),
  );
  writeFileSync(path.join(app, 'app.ts'), APP);
  // The registry's tarballs are in npm's cache after the repository's own `npm ci`.
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], {
    cwd: app,
    timeout: 240_000,
  });
  await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app });
  // cdk-nag's checks run as a validation plugin: any finding fails this synth.
  await run(process.execPath, ['out/app.js'], { cwd: app });
  const out = path.join(app, 'cdk.out');
  template = JSON.parse(readFileSync(path.join(out, 'PlatformTracing.template.json'), 'utf8'));
  // The function's code is the file asset its S3 key names (`<hash>.zip`).
  const code = template.Resources.CollectorFunction?.Properties.Code as { S3Key?: string };
  const { files } = JSON.parse(
    readFileSync(path.join(out, 'PlatformTracing.assets.json'), 'utf8'),
  ) as { files: Record<string, { source: { path: string } }> };
  const asset = files[(code.S3Key ?? '').replace(/\.zip$/, '')];
  if (!asset) throw new Error(`No asset for the function's code ${code.S3Key}`);
  assetDir = path.join(out, asset.source.path);
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
}, 120_000);

describe('the packed package in a CDK app of its own', () => {
  it('synthesizes, cdk-nag clean, the collector on the imported stream and cluster', () => {
    const types = Object.values(template.Resources).map((r) => r.Type);

    expect(types).not.toContain('AWS::Kinesis::Stream');
    const mapping = Object.values(template.Resources).find(
      (r) => r.Type === 'AWS::Lambda::EventSourceMapping',
    );
    expect(mapping?.Properties).toMatchObject({
      EventSourceArn: STREAM_ARN,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MetricsConfig: { Metrics: ['EventCount'] },
    });
    expect(JSON.stringify(template)).toContain(CLUSTER_ARN);
    expect(types.filter((t) => t === 'AWS::S3::Bucket')).toHaveLength(2);
  });

  it('ships the function bundle inside the package, found whatever the app’s directory', () => {
    expect(readdirSync(assetDir).sort()).toEqual([
      'handler.js',
      'handler.js.LEGAL.txt',
      'handler.js.map',
    ]);
    expect(readFileSync(path.join(assetDir, 'handler.js'))).toEqual(
      readFileSync(path.join(repo, 'dist', 'handler.js')),
    );
  });

  it('passes cfn-lint', async () => {
    const file = path.join(work, 'app', 'cdk.out', 'PlatformTracing.template.json');

    const { stdout } = await run('cfn-lint', ['--ignore-checks', 'W3005', '--', file]).catch(
      (error: { stdout?: string; stderr?: string }) => ({
        stdout: `${error.stdout}${error.stderr}`,
      }),
    );

    expect(stdout).toBe('');
  });
});
