import { App, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { ACKNOWLEDGEMENTS } from '../../cdk/acknowledgements.js';
import { defineCollectorApp } from '../../cdk/collector-app.js';
import type { CollectorProps } from '../../cdk/props.js';
import {
  BASE,
  build,
  cdkJsonContext,
  DECORATED,
  props,
  ROUTES_ON_TWO_CLUSTERS,
  SECRET_ARN,
  SECRET_KEY_ARN,
  STREAM_ARN,
} from './fixtures.js';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/0f1e2d3c-4b5a-4697-8877-665544332211';

const VARIANTS: Array<[string, CollectorProps]> = [
  ['MSK IAM, new on-demand stream (defaults)', BASE],
  [
    'SCRAM',
    props({
      kafka: { auth: { mode: 'scram', secretArn: SECRET_ARN, secretKeyArn: SECRET_KEY_ARN } },
    }),
  ],
  ['TLS', props({ kafka: { auth: { mode: 'tls' } } })],
  [
    'plaintext, no dead-letter topic',
    props({ kafka: { auth: { mode: 'plaintext' }, deadLetterTopic: 'none' } }),
  ],
  [
    'imported stream with its key, enhanced fan-out',
    props({
      stream: { arn: STREAM_ARN, encryptionKeyArn: KEY_ARN },
      mapping: { enhancedFanOut: true },
    }),
  ],
  [
    'provisioned stream with a customer-managed key',
    props({ stream: { shardCount: 4, customerManagedKey: true, retentionHours: 48 } }),
  ],
  ['alarm topic created for an e-mail address', props({ alarms: { email: 'oncall@example.com' } })],
  [
    'formats, decorators, routes on the main and another cluster (MSK IAM)',
    props({ ...DECORATED, kafka: { routes: ROUTES_ON_TWO_CLUSTERS } }),
  ],
  ['SQS on-failure queue instead of the bucket', props({ onFailure: { destination: 'sqs' } })],
  [
    'existing alarm topic, reserved concurrency',
    props({
      alarms: { topicArn: 'arn:aws:sns:eu-west-1:111122223333:oncall' },
      function: { reservedConcurrency: 10 },
    }),
  ],
];

/** Every acknowledgement recorded in the tree, as [construct path, rule id, reason]. */
function acknowledgements(root: IConstruct): Array<[string, string, string]> {
  return root.node
    .findAll()
    .flatMap((c) =>
      c.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) =>
          Object.entries(entry.data as Record<string, string>).map(
            ([id, reason]): [string, string, string] => [c.node.path, id, reason],
          ),
        ),
    );
}

describe('cdk-nag AwsSolutions', () => {
  it.each(VARIANTS)('%s: no unacknowledged finding', (_name, collector) => {
    const { stack } = build(collector);

    const report = new AwsSolutionsChecks().validateScope(stack);

    expect(
      report.violations.map(
        (v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
      ),
    ).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('acknowledges only the listed findings, each with its reason, each on one resource', () => {
    const { stack } = build(props({ stream: { customerManagedKey: true } }));

    const found = acknowledgements(stack).filter(
      ([, id]) => !id.startsWith('CloudFormation-Validate::'),
    );

    for (const [, id, reason] of found) {
      expect(
        ACKNOWLEDGEMENTS[
          id
            .replace(/^Annotation::(?=AwsSolutions)/, '')
            // The finding names the bucket by its logical ID; the table by its role.
            .replace(
              /<SourceFailuresBucket\w+\.Arn>/,
              '<FailureBucketArn>',
            ) as keyof typeof ACKNOWLEDGEMENTS
        ],
      ).toBe(reason);
      expect(reason.length).toBeGreaterThan(80);
    }
    expect(
      found
        .map(([path, id]) => `${path} ${id.replace(/^Annotation::(?=AwsSolutions)/, '')}`)
        .sort(),
    ).toEqual([
      'Collector/Default/Collector/Role/DefaultPolicy/Resource AwsSolutions-IAM5[Resource::<SourceFailuresBucket99D4000F.Arn>/aws/lambda/*]',
      'Collector/Default/Collector/Role/Resource AwsSolutions-IAM5[Resource::*]',
      'Collector/Default/Collector/Subnet0 Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId',
      'Collector/Default/Collector/Subnet1 Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId',
      'Collector/Default/Collector/Vpc Annotation::@aws-cdk/aws-ec2:vpcAttributeIsListTokenavailabilityZones',
      'Collector/Default/Source/Failures/AccessLogs/Resource AwsSolutions-S1',
      'Collector/Default/Spans/Stream/Resource AwsSolutions-KDS3',
    ]);
  });

  it('acknowledges the queue, not the buckets, with the SQS on-failure option', () => {
    const { stack } = build(props({ onFailure: { destination: 'sqs' } }));

    const ids = acknowledgements(stack).map(
      ([path, id]) => `${path} ${id.replace(/^Annotation::(?=AwsSolutions)/, '')}`,
    );

    expect(ids).toContain('Collector/Default/Source/OnFailure/Resource AwsSolutions-SQS3');
    expect(ids.filter((id) => id.includes('S1') || id.includes('aws/lambda'))).toEqual([]);
  });

  it('fails the synth when a new wildcard appears, even on the role whose network rights are acknowledged', () => {
    const app = new App({
      context: { ...cdkJsonContext(), 'aws:cdk:disable-asset-staging': true, collector: BASE },
    });
    const stack = defineCollectorApp(app);
    stack.collector.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['kafka-cluster:*'], resources: ['*'] }),
    );

    expect(() => app.synth()).toThrow(
      /AwsSolutions-IAM5\[Action::kafka-cluster:\*\][\s\S]*AwsSolutions-IAM5\[Resource::\*\]/,
    );
  });

  it('lets the app synthesize with the checks on, and writes the acknowledgements into the template for auditors', () => {
    const app = new App({
      context: { ...cdkJsonContext(), 'aws:cdk:disable-asset-staging': true, collector: BASE },
    });
    const stack = defineCollectorApp(app);

    const assembly = app.synth();

    const template = assembly.getStackByName(stack.stackName).template as {
      Resources: Record<string, { Metadata?: { cdk_nag?: unknown } }>;
    };
    const role = Object.entries(template.Resources).find(
      ([id]) => id.startsWith('CollectorRole') && !id.includes('Policy'),
    );
    expect(role?.[1].Metadata?.cdk_nag).toEqual({
      rules_to_suppress: [
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: ACKNOWLEDGEMENTS['AwsSolutions-IAM5[Resource::*]'],
        },
      ],
    });
  });
});
