import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { CollectorStack } from '../../cdk/collector-stack.js';
import { FUNCTION_LOGICAL_ID, STACK_NAME } from '../../cdk/defaults.js';
import type { CollectorProps } from '../../cdk/props.js';
import {
  BASE,
  cdkJsonContext,
  DECORATED,
  props,
  ROUTES_ON_TWO_CLUSTERS,
  SECRET_ARN,
  SECRET_KEY_ARN,
  STREAM_ARN,
} from './fixtures.js';

const run = promisify(execFile);

/** Temp dirs of this file (each holds a copy of the bundle), removed at the end. */
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const tempDir = (prefix: string): string => {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};

type Template = {
  Resources: Record<
    string,
    { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> }
  >;
};

/** Synthesizes like the CLI does (asset metadata on), into a temp dir; returns the template file. */
function synthesize(
  collector: CollectorProps,
  name = 'Collector',
): { dir: string; file: string; template: Template } {
  const dir = tempDir('cdk-out-');
  const app = new App({
    outdir: dir,
    context: { ...cdkJsonContext(), 'aws:cdk:enable-asset-metadata': true },
  });
  new CollectorStack(app, name, { collector });
  app.synth();
  const file = path.join(dir, `${name}.template.json`);
  return { dir, file, template: JSON.parse(readFileSync(file, 'utf8')) as Template };
}

describe('template for SAM local invoke', () => {
  it('marks the function with the asset path and property SAM reads, pointing at the built bundle and its source map', () => {
    const { dir, template } = synthesize(BASE);

    const fn = template.Resources[FUNCTION_LOGICAL_ID];
    if (fn === undefined) throw new Error(`No ${FUNCTION_LOGICAL_ID} in the template`);
    expect(fn.Type).toBe('AWS::Lambda::Function');
    expect(fn.Metadata).toMatchObject({
      'aws:asset:property': 'Code',
      'aws:asset:is-bundled': false,
    });
    const asset = path.join(dir, fn.Metadata?.['aws:asset:path'] as string);
    const [file, exportName] = (fn.Properties.Handler as string).split('.');
    expect(readFileSync(path.join(asset, `${file}.js`))).toEqual(readFileSync('dist/handler.js'));
    expect(exportName).toBe('handler');
    expect(existsSync(path.join(asset, 'handler.js.map'))).toBe(true);
  });

  it('ships a bundle that links its source map, or NODE_OPTIONS=--enable-source-maps maps nothing', () => {
    const lastLine = readFileSync('dist/handler.js', 'utf8').trimEnd().split('\n').at(-1) ?? '';

    // esbuild writes this comment with `sourcemap: 'linked'` in scripts/build.mjs, not with 'external'.
    expect(lastLine.slice(0, 80), "scripts/build.mjs must use sourcemap: 'linked'").toBe(
      '//# sourceMappingURL=handler.js.map',
    );
  });
});

describe('cfn-lint', () => {
  it('finds no error or warning in the templates of every auth mode and option', async () => {
    const files = [
      synthesize(BASE, 'Iam').file,
      synthesize(
        props({
          kafka: { auth: { mode: 'scram', secretArn: SECRET_ARN, secretKeyArn: SECRET_KEY_ARN } },
        }),
        'Scram',
      ).file,
      synthesize(
        props({ kafka: { auth: { mode: 'plaintext' } }, onFailure: { destination: 'sqs' } }),
        'PlaintextSqs',
      ).file,
      synthesize(
        props({ stream: { arn: STREAM_ARN }, mapping: { enhancedFanOut: true } }),
        'FanOut',
      ).file,
      synthesize(
        props({
          stream: { shardCount: 2, customerManagedKey: true },
          alarms: { email: 'oncall@example.com' },
        }),
        'Provisioned',
      ).file,
      synthesize(
        props({
          ...DECORATED,
          kafka: { routes: ROUTES_ON_TWO_CLUSTERS },
          alarms: { email: 'oncall@example.com' },
        }),
        'Routes',
      ).file,
    ];

    // W3005: CDK itself writes a DependsOn on the role that the GetAtt already implies; harmless.
    const lint = await run('cfn-lint', ['--ignore-checks', 'W3005', '--', ...files]).catch(
      (error: { code?: number | string; stdout?: string; stderr?: string }) => {
        if (error.code === 'ENOENT')
          throw new Error('cfn-lint is not installed: pip install cfn-lint (see docs/deploy.md)');
        return { stdout: `exit ${error.code}\n${error.stdout}${error.stderr}`, stderr: '' };
      },
    );

    expect(lint.stdout).toBe('');
  });
});

describe('cdk synth', () => {
  it('runs from cdk.json with no AWS credentials or config at all', async () => {
    const out = tempDir('cdk-cli-');
    const home = tempDir('no-aws-home-');
    writeFileSync(path.join(home, '.keep'), '');

    // The app command without the build step: dist is already built, and rebuilding it here
    // would race the other test files reading it.
    const { stderr } = await run(
      process.execPath,
      [
        'node_modules/aws-cdk/bin/cdk',
        'synth',
        '--quiet',
        '--app',
        'npx tsx cdk/app.ts',
        '--output',
        out,
      ],
      {
        env: { PATH: process.env.PATH, HOME: home, AWS_EC2_METADATA_DISABLED: 'true', CI: 'true' },
        timeout: 280_000,
      },
    );

    const template = JSON.parse(
      readFileSync(path.join(out, `${STACK_NAME}.template.json`), 'utf8'),
    ) as Template;
    expect(template.Resources[FUNCTION_LOGICAL_ID]?.Metadata?.['aws:asset:path']).toMatch(
      /^asset\./,
    );
    expect(stderr).not.toMatch(/error|Unable to resolve AWS account/i);
  });
});
