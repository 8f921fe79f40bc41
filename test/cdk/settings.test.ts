import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { appSettingsFromContext } from '../../cdk/context.js';
import { STACK_NAME } from '../../cdk/defaults.js';
import { resolveSettings, SettingsError } from '../../cdk/settings.js';
import { BASE, build, props } from './fixtures.js';

const contextOf = (collector: unknown) => new App({ context: { collector } }).node;

describe('settings', () => {
  it('lists every problem at once, naming the setting and what it accepts', () => {
    const broken = props({
      kafka: {
        bootstrapBrokers: ['no-port'],
        topic: 'bad topic',
        auth: { mode: 'iam', clusterArn: 'arn:aws:kafka:eu-west-1:111122223333:topic/x/y/z' },
      },
      network: { vpcId: 'vpc-1', subnetIds: [], securityGroupIds: ['sg-0123456789abcdef3'] },
      function: { memoryMb: 64, logRetentionDays: 31 },
    });

    let error: unknown;
    try {
      resolveSettings(broken);
    } catch (e) {
      error = e;
    }

    expect(error).toBeInstanceOf(SettingsError);
    expect((error as SettingsError).problems).toEqual([
      'kafka.bootstrapBrokers=["no-port"] is not accepted: use a non-empty list of host:port',
      'kafka.topic="bad topic" is not a Kafka topic name',
      'kafka.auth.clusterArn="arn:aws:kafka:eu-west-1:111122223333:topic/x/y/z" is not an MSK cluster ARN (arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>)',
      'network.vpcId="vpc-1" is not a VPC ID (vpc-…)',
      'network.subnetIds=[] is not a non-empty list of subnet IDs',
      'function.memoryMb=64 is not accepted: use a whole number from 128 to 10240',
      'function.logRetentionDays=31 is not accepted: use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653',
    ]);
  });

  it('stops the synth, naming the build step, when the bundle is missing', () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'no-bundle-'));

    expect(() => build({ ...BASE, assetPath: empty })).toThrow('run `npm run build` first');
  });

  it.each([
    [{ kafka: { auth: { mode: 'sasl' } } }, 'kafka.auth.mode="sasl" is not accepted'],
    [{ kafka: { deadLetterTopic: 'proto-spans' } }, 'must differ from kafka.topic'],
    [
      { stream: { arn: 'arn:aws:kinesis:eu-west-1:111122223333:stream/s', shardCount: 2 } },
      'stream.shardCount applies to a new stream only',
    ],
    [
      { function: { timeoutSeconds: 1 }, kafka: { producer: { deadlineMarginMs: 5000 } } },
      'must be shorter than the function timeout',
    ],
    [{ alarms: { topicArn: 'oncall' } }, 'alarms.topicArn="oncall" is not an SNS topic ARN'],
  ])('refuses %j', (changes, message) => {
    expect(() => resolveSettings(props(changes as Parameters<typeof props>[0]))).toThrow(message);
  });
});

describe('CDK context', () => {
  it('reads the settings object, the stack name and tags', () => {
    const settings = appSettingsFromContext(
      contextOf({ ...BASE, stackName: 'Spans-eu', tags: { team: 'tracing' } }),
    );

    expect(settings).toEqual({
      stackName: 'Spans-eu',
      env: undefined,
      tags: { team: 'tracing' },
      collector: BASE,
    });
  });

  it('reads the settings from a JSON file named on the command line (-c collector=file)', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'ctx-')), 'prod.json');
    writeFileSync(
      file,
      JSON.stringify({ ...BASE, env: { account: '111122223333', region: 'eu-west-1' } }),
    );

    const settings = appSettingsFromContext(contextOf(file));

    expect(settings.stackName).toBe(STACK_NAME);
    expect(settings.env).toEqual({ account: '111122223333', region: 'eu-west-1' });
    expect(settings.collector).toEqual(BASE);
  });

  it('refuses misspelt keys, which would otherwise deploy a default in silence', () => {
    const typo = {
      ...BASE,
      mapping: { batchsize: 10 },
      kafka: { ...BASE.kafka, auth: { mode: 'iam', clusterARN: 'x' } },
    };

    expect(() => appSettingsFromContext(contextOf(typo))).toThrow(
      /kafka\.auth\.clusterARN is not a known setting[\s\S]*mapping\.batchsize is not a known setting/,
    );
  });

  it('says where to put the settings when there are none', () => {
    expect(() => appSettingsFromContext(new App().node)).toThrow('No "collector" context');
  });

  it("accepts cdk.json's own example", async () => {
    const { readFileSync } = await import('node:fs');
    const { context } = JSON.parse(readFileSync('cdk.json', 'utf8')) as {
      context: { collector: unknown };
    };

    const { collector } = appSettingsFromContext(contextOf(context.collector));

    expect(() => resolveSettings(collector)).not.toThrow();
  });
});
