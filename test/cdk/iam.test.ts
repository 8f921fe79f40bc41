import { describe, expect, it } from 'vitest';
import { parseClusterArn, topicArn } from '../../cdk/msk-arns.js';
import type { RouteProps } from '../../cdk/props.js';
import {
  actionsOf,
  allStatements,
  build,
  CLUSTER_ARN,
  props,
  SECRET_ARN,
  SECRET_KEY_ARN,
  STREAM_ARN,
} from './fixtures.js';

const TOPIC_BASE =
  'arn:aws:kafka:eu-west-1:111122223333:topic/spans/0b3c6a2e-9d41-4f5e-8a7b-6c5d4e3f2a1b-7';
const kafkaStatements = (statements: ReturnType<typeof allStatements>) =>
  statements.filter((s) => actionsOf(s).some((a) => a.startsWith('kafka-cluster:')));

/** A route cluster in another account of the same region, and its topic ARN prefix. */
const AUDIT_CLUSTER_ARN =
  'arn:aws:kafka:eu-west-1:444455556666:cluster/audit/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d-1';
const AUDIT_TOPIC_BASE =
  'arn:aws:kafka:eu-west-1:444455556666:topic/audit/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d-1';
const ROUTES: RouteProps[] = [
  { name: 'errors', topic: 'error-spans', tags: { error: 'true' } },
  // Same topic as the first route: its ARN must be listed once.
  { name: 'failed', topic: 'error-spans', tags: { status: 'failed' } },
  { name: 'checkout', topic: 'checkout-spans', tags: { 'service.name': 'checkout' } },
  {
    name: 'audit',
    topic: 'audit-spans',
    tags: { audit: 'true' },
    brokers: ['b-1.audit.x2.c3.kafka.eu-west-1.amazonaws.com:9098'],
    clusterArn: AUDIT_CLUSTER_ARN,
  },
];
/** A resource list, sorted: the policy's order carries no meaning, its content does. */
const sorted = (resource: unknown) => (Array.isArray(resource) ? [...resource].sort() : [resource]);

describe('MSK cluster and topic ARNs', () => {
  it('derives topic ARNs from the cluster ARN', () => {
    const cluster = parseClusterArn(CLUSTER_ARN);

    expect(cluster).toMatchObject({
      region: 'eu-west-1',
      account: '111122223333',
      name: 'spans',
      uuid: '0b3c6a2e-9d41-4f5e-8a7b-6c5d4e3f2a1b-7',
    });
    expect(topicArn(cluster as NonNullable<typeof cluster>, 'proto-spans')).toBe(
      `${TOPIC_BASE}/proto-spans`,
    );
  });

  it.each([
    'arn:aws:kafka:eu-west-1:111122223333:topic/spans/uuid/t',
    'arn:aws:kafka:eu-west-1:1111:cluster/spans/uuid',
    'spans',
  ])('refuses %s as a cluster ARN', (arn) => {
    expect(parseClusterArn(arn)).toBeUndefined();
  });
});

describe('IAM policy', () => {
  it('MSK IAM: Connect on the cluster, DescribeTopic and WriteData on exactly the main and dead-letter topics', () => {
    const { template } = build();

    const statements = kafkaStatements(allStatements(template));

    expect(statements).toEqual([
      {
        Sid: 'ConnectToCluster',
        Effect: 'Allow',
        Action: 'kafka-cluster:Connect',
        Resource: CLUSTER_ARN,
      },
      {
        Sid: 'WriteSpanTopics',
        Effect: 'Allow',
        Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'],
        Resource: [`${TOPIC_BASE}/proto-spans`, `${TOPIC_BASE}/proto-spans-dlq`],
      },
    ]);
  });

  it('MSK IAM with routes: exactly the route topics on the main cluster, and Connect on and the topic of the other cluster', () => {
    const { template } = build(props({ kafka: { routes: ROUTES } }));

    const statements = kafkaStatements(allStatements(template));

    expect(statements.map((s) => ({ ...s, Resource: sorted(s.Resource) }))).toEqual([
      {
        Sid: 'ConnectToCluster',
        Effect: 'Allow',
        Action: 'kafka-cluster:Connect',
        Resource: [CLUSTER_ARN, AUDIT_CLUSTER_ARN].sort(),
      },
      {
        Sid: 'WriteSpanTopics',
        Effect: 'Allow',
        Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'],
        Resource: [
          `${TOPIC_BASE}/proto-spans`,
          `${TOPIC_BASE}/proto-spans-dlq`,
          `${TOPIC_BASE}/error-spans`,
          `${TOPIC_BASE}/checkout-spans`,
          `${AUDIT_TOPIC_BASE}/audit-spans`,
        ].sort(),
      },
    ]);
  });

  it('MSK IAM with routes on the main cluster only: no other cluster to connect to', () => {
    const { template } = build(props({ kafka: { routes: ROUTES.slice(0, 1) } }));

    const statements = kafkaStatements(allStatements(template));

    expect(statements.find((s) => s.Sid === 'ConnectToCluster')?.Resource).toBe(CLUSTER_ARN);
    expect(sorted(statements.find((s) => s.Sid === 'WriteSpanTopics')?.Resource)).toEqual(
      [
        `${TOPIC_BASE}/proto-spans`,
        `${TOPIC_BASE}/proto-spans-dlq`,
        `${TOPIC_BASE}/error-spans`,
      ].sort(),
    );
  });

  it('MSK IAM with an OpenTelemetry route: its topic by exact ARN, like any route', () => {
    const otel: RouteProps = { name: 'otel', topic: 'otlp_spans', tags: {}, output: 'otlp-proto' };
    const { template } = build(props({ kafka: { routes: [otel] } }));

    const statements = kafkaStatements(allStatements(template));

    expect(sorted(statements.find((s) => s.Sid === 'WriteSpanTopics')?.Resource)).toEqual(
      [
        `${TOPIC_BASE}/proto-spans`,
        `${TOPIC_BASE}/proto-spans-dlq`,
        `${TOPIC_BASE}/otlp_spans`,
      ].sort(),
    );
  });

  it('SCRAM with routes, on another cluster too: the same secret, still no kafka-cluster rights', () => {
    const { template } = build(
      props({
        kafka: {
          auth: { mode: 'scram', secretArn: SECRET_ARN, secretKeyArn: SECRET_KEY_ARN },
          routes: [
            ROUTES[0] as RouteProps,
            { name: 'audit', topic: 'audit-spans', tags: {}, brokers: ['b-1.audit:9096'] },
          ],
        },
      }),
    );

    const statements = allStatements(template);

    expect(kafkaStatements(statements)).toEqual([]);
    expect(
      statements.filter((s) => actionsOf(s).includes('secretsmanager:GetSecretValue')),
    ).toEqual([expect.objectContaining({ Resource: SECRET_ARN })]);
  });

  it('names only the main topic when the dead-letter topic is off', () => {
    const { template } = build(props({ kafka: { deadLetterTopic: 'none' } }));

    const write = kafkaStatements(allStatements(template)).find((s) => s.Sid === 'WriteSpanTopics');

    expect(write?.Resource).toBe(`${TOPIC_BASE}/proto-spans`);
  });

  it('grants no wildcard action and no wildcard resource except the documented network-interface actions and the failure records Lambda names', () => {
    for (const collector of [
      props(),
      props({
        kafka: { auth: { mode: 'scram', secretArn: SECRET_ARN, secretKeyArn: SECRET_KEY_ARN } },
      }),
      props({ stream: { arn: STREAM_ARN }, mapping: { enhancedFanOut: true } }),
      props({ kafka: { routes: ROUTES } }),
      props({ onFailure: { destination: 'sqs' } }),
    ]) {
      const statements = allStatements(build(collector).template);

      const actions = statements.flatMap(actionsOf);
      expect(actions.filter((a) => a.includes('*'))).toEqual([]);
      const wildcard = statements.filter((s) => JSON.stringify(s.Resource).includes('*'));
      expect(wildcard.flatMap(actionsOf).sort()).toEqual(
        [
          'ec2:AssignPrivateIpAddresses',
          'ec2:CreateNetworkInterface',
          'ec2:DeleteNetworkInterface',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSubnets',
          ...(collector.onFailure?.destination === 'sqs' ? [] : ['s3:PutObject']),
          'ec2:UnassignPrivateIpAddresses',
        ].sort(),
      );
    }
  });

  it("may write failure records only under the prefix Lambda uses, list the bucket, and nothing else in S3, only while the bucket is this account's", () => {
    const { template } = build();
    const [bucket] = Object.entries(template.findResources('AWS::S3::Bucket')).find(
      ([, b]) => b.Properties.LoggingConfiguration,
    ) ?? [''];
    const inThisAccount = { StringEquals: { 's3:ResourceAccount': { Ref: 'AWS::AccountId' } } };

    const s3 = allStatements(template).filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));

    expect(s3).toEqual([
      {
        Sid: 'ListFailureBucket',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: { 'Fn::GetAtt': [bucket, 'Arn'] },
        Condition: inThisAccount,
      },
      {
        Sid: 'WriteFailureRecords',
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/aws/lambda/*']] },
        Condition: inThisAccount,
      },
    ]);
  });

  it('with the SQS option, may only send to the on-failure queue, and has no S3 right', () => {
    const statements = allStatements(build(props({ onFailure: { destination: 'sqs' } })).template);

    const actions = statements.flatMap(actionsOf);
    expect(actions.filter((a) => a.startsWith('s3:'))).toEqual([]);
    expect(actions.filter((a) => a.startsWith('sqs:')).sort()).toEqual([
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:SendMessage',
    ]);
  });

  it('SCRAM: reads exactly the one secret and decrypts with its key only through Secrets Manager; no kafka-cluster rights', () => {
    const { template } = build(
      props({
        kafka: { auth: { mode: 'scram', secretArn: SECRET_ARN, secretKeyArn: SECRET_KEY_ARN } },
      }),
    );

    const statements = allStatements(template);

    expect(kafkaStatements(statements)).toEqual([]);
    expect(statements).toContainEqual({
      Sid: 'ReadKafkaCredentials',
      Effect: 'Allow',
      Action: 'secretsmanager:GetSecretValue',
      Resource: SECRET_ARN,
    });
    expect(statements).toContainEqual({
      Sid: 'DecryptKafkaCredentials',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: SECRET_KEY_ARN,
      Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
    });
  });

  it.each([{ mode: 'tls' as const }, { mode: 'plaintext' as const }])(
    '$mode: no Kafka or secret rights at all',
    (auth) => {
      const statements = allStatements(build(props({ kafka: { auth } })).template);

      const actions = statements.flatMap(actionsOf);
      expect(
        actions.filter(
          (a) =>
            a.startsWith('kafka-cluster:') ||
            a.startsWith('secretsmanager:') ||
            a.startsWith('kms:'),
        ),
      ).toEqual([]);
    },
  );

  it('uses no AWS managed policy: every right is written out in the template', () => {
    const { template } = build();

    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('decrypts an imported stream with its customer-managed key', () => {
    const keyArn = 'arn:aws:kms:eu-west-1:111122223333:key/0f1e2d3c-4b5a-4697-8877-665544332211';
    const { template } = build(props({ stream: { arn: STREAM_ARN, encryptionKeyArn: keyArn } }));

    expect(allStatements(template)).toContainEqual(
      expect.objectContaining({ Action: 'kms:Decrypt', Resource: keyArn }),
    );
  });

  it('refuses an incomplete secret ARN, which would need a wildcard', () => {
    const secretArn = SECRET_ARN.replace(/-Ab12Cd$/, '');

    expect(() =>
      build(props({ kafka: { auth: { mode: 'scram', secretArn, secretKeyArn: SECRET_KEY_ARN } } })),
    ).toThrow('not a complete Secrets Manager secret ARN');
  });
});
