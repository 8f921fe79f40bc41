import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CollectorStack } from '../../cdk/collector-stack.js';
import type { CollectorProps } from '../../cdk/props.js';

/**
 * A complete, valid set of collector props (MSK IAM, a new stream), and builders that change
 * one section at a time, so each test states only what it is about.
 */

export const CLUSTER_ARN =
  'arn:aws:kafka:eu-west-1:111122223333:cluster/spans/0b3c6a2e-9d41-4f5e-8a7b-6c5d4e3f2a1b-7';
export const SECRET_ARN =
  'arn:aws:secretsmanager:eu-west-1:111122223333:secret:AmazonMSK_haystack-Ab12Cd';
export const SECRET_KEY_ARN =
  'arn:aws:kms:eu-west-1:111122223333:key/5e1d2c3b-4a59-4e8f-9d7c-6b5a4f3e2d1c';
export const STREAM_ARN = 'arn:aws:kinesis:eu-west-1:111122223333:stream/haystack-spans';

/**
 * Every setting of the function's formats, decorators and routes, with a route on the main
 * cluster and one on another (MSK IAM), for the whole-template checks (cdk-nag, cfn-lint).
 */
export const DECORATED: Partial<CollectorProps> = {
  formats: { input: 'otlp-proto', output: 'json', maxDecompressedBytes: 1024 * 1024 },
  sizeGuard: { enable: true, maxBytes: 8000, skipTags: ['error'], skipServices: ['checkout'] },
  additionalTags: { 'X-HAYSTACK-ENV': 'prod' },
};
export const ROUTES_ON_TWO_CLUSTERS: NonNullable<CollectorProps['kafka']['routes']> = [
  { name: 'errors', topic: 'error-spans', tags: { error: 'true' } },
  {
    name: 'audit',
    topic: 'audit-spans',
    tags: {},
    brokers: ['b-1.audit.x2.c3.kafka.eu-west-1.amazonaws.com:9098'],
    clusterArn:
      'arn:aws:kafka:eu-west-1:444455556666:cluster/audit/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d-1',
  },
];

export const BASE: CollectorProps = {
  kafka: {
    bootstrapBrokers: [
      'b-1.spans.x1.c7.kafka.eu-west-1.amazonaws.com:9098',
      'b-2.spans.x1.c7.kafka.eu-west-1.amazonaws.com:9098',
    ],
    auth: { mode: 'iam', clusterArn: CLUSTER_ARN },
  },
  network: {
    vpcId: 'vpc-0123456789abcdef0',
    subnetIds: ['subnet-0123456789abcdef1', 'subnet-0123456789abcdef2'],
    securityGroupIds: ['sg-0123456789abcdef3'],
  },
};

type Sections = { [K in keyof CollectorProps]?: Partial<NonNullable<CollectorProps[K]>> };

/** BASE with the given sections merged in, one level deep (`kafka.auth` is replaced whole). */
export function props(changes: Sections = {}): CollectorProps {
  const out: Record<string, unknown> = { ...BASE };
  for (const [key, value] of Object.entries(changes)) {
    const base = (BASE as unknown as Record<string, unknown>)[key];
    out[key] =
      typeof value === 'object' && value !== null && !Array.isArray(value)
        ? { ...(base as object), ...value }
        : value;
  }
  return out as unknown as CollectorProps;
}

/** cdk.json's context without the example settings: the feature flags `cdk synth` applies. */
export function cdkJsonContext(): Record<string, unknown> {
  const { context } = JSON.parse(readFileSync('cdk.json', 'utf8')) as {
    context: Record<string, unknown>;
  };
  const { collector: _example, ...flags } = context;
  return flags;
}

/** A collector stack built from `collector` as `cdk synth` would (cdk.json's flags), with its template. */
export function build(
  collector: CollectorProps = BASE,
  appContext: Record<string, unknown> = {},
): { stack: CollectorStack; template: Template } {
  // No copy of the 2 MB bundle per test app: only the template is asserted here (synth.test.ts
  // checks the staged asset the CLI writes).
  const app = new App({
    context: { ...cdkJsonContext(), 'aws:cdk:disable-asset-staging': true, ...appContext },
  });
  const stack = new CollectorStack(app, 'Collector', { collector });
  return { stack, template: Template.fromStack(stack) };
}

/** The only resource of `type` in the template, with its logical ID; fails when there are more or none. */
export function only(
  template: Template,
  type: string,
): {
  id: string;
  resource: { Properties: Record<string, unknown>; Metadata?: Record<string, unknown> };
} {
  const found = Object.entries(template.findResources(type));
  if (found.length !== 1) throw new Error(`Expected one ${type}, found ${found.length}`);
  const [id, resource] = found[0] as [string, { Properties: Record<string, unknown> }];
  return { id, resource };
}

/** One IAM policy statement as the template holds it. */
export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
  Sid?: string;
}

type PolicyDocument = { Statement: Statement[] };

/** Every IAM policy statement of the template, from roles' inline policies and policy resources. */
export function allStatements(template: Template): Statement[] {
  const statements: Statement[] = [];
  for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
    const policies = (role.Properties?.Policies ?? []) as Array<{ PolicyDocument: PolicyDocument }>;
    for (const policy of policies) statements.push(...policy.PolicyDocument.Statement);
  }
  for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
    statements.push(...(policy.Properties.PolicyDocument as PolicyDocument).Statement);
  }
  return statements;
}

export const actionsOf = (statement: { Action: string | string[] }): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];
