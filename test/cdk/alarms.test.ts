import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ALARMS, MAPPING } from '../../cdk/defaults.js';
import { MappingMetric, routedSpansOf, SpanMetric } from '../../cdk/metrics.js';
import type { RouteProps } from '../../cdk/props.js';
import { build, only, props } from './fixtures.js';

type Alarm = { Properties: Record<string, unknown> };
const alarmsOf = (collector = props()) =>
  Object.values(build(collector).template.findResources('AWS::CloudWatch::Alarm')) as Alarm[];
const byMetric = (alarms: Alarm[], name: string) =>
  alarms.filter((a) => a.Properties.MetricName === name);
const ROUTES: RouteProps[] = [
  { name: 'errors', topic: 'error-spans', tags: { error: 'true' } },
  {
    name: 'audit',
    topic: 'audit-spans',
    tags: {},
    brokers: ['b-1.audit:9098'],
    clusterArn:
      'arn:aws:kafka:eu-west-1:444455556666:cluster/audit/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d-1',
  },
];

describe('alarms', () => {
  it("watch the function's EMF metrics in the configured namespace, by service", () => {
    const alarms = alarmsOf(
      props({ telemetry: { metricsNamespace: 'Tracing', serviceName: 'collector-eu' } }),
    );

    for (const name of [
      SpanMetric.invalidSpans,
      SpanMetric.deadLetteredSpans,
      SpanMetric.produceFailures,
    ]) {
      const [alarm] = byMetric(alarms, name);
      expect(alarm?.Properties).toMatchObject({
        Namespace: 'Tracing',
        Dimensions: [{ Name: 'service', Value: 'collector-eu' }],
        Statistic: 'Sum',
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
    expect(byMetric(alarms, SpanMetric.produceFailures)[0]?.Properties).toMatchObject({
      Period: 300,
      EvaluationPeriods: ALARMS.produceFailurePeriods,
    });
  });

  it('watch Lambda iterator age, errors and throttles of this function', () => {
    const { template } = build();
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Alarm[];
    const onThisFunction = [{ Name: 'FunctionName', Value: { Ref: 'CollectorFunction' } }];

    expect(byMetric(alarms, 'IteratorAge')[0]?.Properties).toMatchObject({
      Namespace: 'AWS/Lambda',
      Dimensions: onThisFunction,
      Statistic: 'Maximum',
      Threshold: ALARMS.iteratorAgeMs,
    });
    expect(byMetric(alarms, 'Errors')[0]?.Properties).toMatchObject({
      Namespace: 'AWS/Lambda',
      Dimensions: onThisFunction,
      Statistic: 'Sum',
      Threshold: 1,
    });
    expect(byMetric(alarms, 'Throttles')[0]?.Properties).toMatchObject({
      Namespace: 'AWS/Lambda',
      Dimensions: onThisFunction,
      Threshold: 1,
    });
  });

  it("watch the mapping's own counts of dropped and on-failure events, by its UUID: eight alarms", () => {
    const { template } = build();
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Alarm[];
    const mapping = only(template, 'AWS::Lambda::EventSourceMapping');
    const onThisMapping = [{ Name: 'EventSourceMappingUUID', Value: { Ref: mapping.id } }];

    for (const [name, threshold] of [
      [MappingMetric.dropped, ALARMS.droppedEvents],
      [MappingMetric.onFailureDelivered, ALARMS.onFailureEvents],
    ] as const) {
      expect(byMetric(alarms, name)[0]?.Properties).toMatchObject({
        Namespace: 'AWS/Lambda',
        Dimensions: onThisMapping,
        Statistic: 'Sum',
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: threshold,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
    expect(byMetric(alarms, 'ApproximateNumberOfMessagesVisible')).toEqual([]);
    expect(alarms).toHaveLength(8);
  });

  it('with the SQS on-failure option, also watch the depth of the queue: nine alarms', () => {
    const { template } = build(props({ onFailure: { destination: 'sqs' } }));
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Alarm[];
    const queue = only(template, 'AWS::SQS::Queue');

    expect(byMetric(alarms, 'ApproximateNumberOfMessagesVisible')[0]?.Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue.id, 'QueueName'] } }],
      Threshold: ALARMS.onFailureMessages,
    });
    expect(byMetric(alarms, MappingMetric.onFailureDelivered)).toHaveLength(1);
    expect(alarms).toHaveLength(9);
  });

  it('take the thresholds of the mapping alarms from the props', () => {
    const alarms = alarmsOf(props({ alarms: { droppedEvents: 5, onFailureEvents: 7 } }));

    expect(byMetric(alarms, MappingMetric.dropped)[0]?.Properties.Threshold).toBe(5);
    expect(byMetric(alarms, MappingMetric.onFailureDelivered)[0]?.Properties.Threshold).toBe(7);
  });

  it('point the on-call at npm run replay when a batch was kept whole', () => {
    const [alarm] = byMetric(alarmsOf(), MappingMetric.onFailureDelivered);

    expect(alarm?.Properties.AlarmDescription).toContain('npm run replay');
  });

  it('alarm on route failures only when there are routes, as long as on produce failures', () => {
    const topicArn = 'arn:aws:sns:eu-west-1:111122223333:oncall';

    const alarms = alarmsOf(props({ kafka: { routes: ROUTES }, alarms: { topicArn } }));

    expect(alarms).toHaveLength(9);
    expect(byMetric(alarms, SpanMetric.routeFailures)).toEqual([
      {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: expect.objectContaining({
          Namespace: 'Haystack',
          Dimensions: [{ Name: 'service', Value: 'haystack-kinesis-collector' }],
          Statistic: 'Sum',
          Period: 300,
          EvaluationPeriods: ALARMS.routeFailurePeriods,
          Threshold: ALARMS.routeFailures,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          TreatMissingData: 'notBreaching',
          AlarmActions: [topicArn],
          OKActions: [topicArn],
        }),
      },
    ]);
    expect(byMetric(alarmsOf(), SpanMetric.routeFailures)).toEqual([]);
  });

  it('take the route failure threshold from the props', () => {
    const alarms = alarmsOf(props({ kafka: { routes: ROUTES }, alarms: { routeFailures: 50 } }));

    expect(byMetric(alarms, SpanMetric.routeFailures)[0]?.Properties.Threshold).toBe(50);
  });

  it('alarm on iterator age long before records reach the maximum record age', () => {
    expect(ALARMS.iteratorAgeMs * 5).toBeLessThan(MAPPING.maxRecordAgeSeconds * 1000);
  });

  it('take thresholds from the props', () => {
    const alarms = alarmsOf(props({ alarms: { invalidSpans: 100, iteratorAgeMs: 60_000 } }));

    expect(byMetric(alarms, SpanMetric.invalidSpans)[0]?.Properties.Threshold).toBe(100);
    expect(byMetric(alarms, 'IteratorAge')[0]?.Properties.Threshold).toBe(60_000);
  });

  it('notify nobody unless a topic is configured', () => {
    for (const alarm of alarmsOf()) expect(alarm.Properties.AlarmActions).toBeUndefined();
  });

  it('notify an existing topic on alarm and on recovery', () => {
    const topicArn = 'arn:aws:sns:eu-west-1:111122223333:oncall';

    for (const alarm of alarmsOf(props({ alarms: { topicArn } }))) {
      expect(alarm.Properties).toMatchObject({ AlarmActions: [topicArn], OKActions: [topicArn] });
    }
  });

  it('create an encrypted, TLS-only topic CloudWatch may publish to, for an e-mail address', () => {
    const { template } = build(props({ alarms: { email: 'oncall@example.com' } }));

    const topic = only(template, 'AWS::SNS::Topic');
    const key = only(template, 'AWS::KMS::Key');
    expect(topic.resource.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [key.id, 'Arn'] });
    expect(key.resource.Properties.EnableKeyRotation).toBe(true);
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: topic.id }] });
  });

  it('and a dashboard named after the stack that shows every alarm and metric, each route too', () => {
    const { template } = build(props({ kafka: { routes: ROUTES } }));

    const dashboard = only(template, 'AWS::CloudWatch::Dashboard').resource.Properties;
    expect(dashboard.DashboardName).toBe('Collector');
    const body = JSON.stringify(dashboard.DashboardBody);
    for (const id of Object.keys(template.findResources('AWS::CloudWatch::Alarm')))
      expect(body).toContain(id);
    for (const name of Object.values(SpanMetric)) expect(body).toContain(`\\"${name}\\"`);
    for (const { name } of ROUTES) expect(body).toContain(`\\"${routedSpansOf(name)}\\"`);
    for (const name of Object.values(MappingMetric)) expect(body).toContain(`\\"${name}\\"`);
  });

  it("and the mapping's polled, invoked and failed events on the dashboard, by the mapping's UUID", () => {
    const { template } = build();

    const mapping = only(template, 'AWS::Lambda::EventSourceMapping');
    const body = JSON.stringify(
      only(template, 'AWS::CloudWatch::Dashboard').resource.Properties.DashboardBody,
    );
    expect(body).toContain('Event source mapping: polled, invoked, failed');
    expect(body).toContain(`\\"EventSourceMappingUUID\\",\\"",{"Ref":"${mapping.id}"}`);
    expect(body).not.toContain('ApproximateNumberOfMessagesVisible');
    expect(
      JSON.stringify(
        only(
          build(props({ onFailure: { destination: 'sqs' } })).template,
          'AWS::CloudWatch::Dashboard',
        ).resource.Properties.DashboardBody,
      ),
    ).toContain('ApproximateNumberOfMessagesVisible');
  });

  it('and no route metric on the dashboard without routes, where the function writes none', () => {
    const { template } = build();

    const body = JSON.stringify(
      only(template, 'AWS::CloudWatch::Dashboard').resource.Properties.DashboardBody,
    );
    expect(body).not.toContain(SpanMetric.routedSpans);
    expect(body).not.toContain(SpanMetric.routeFailures);
    expect(body).toContain(SpanMetric.decodedSpans);
  });
});

describe('metric names', () => {
  it("match the function's", async () => {
    const { MetricName } = await import('../../lambda/telemetry.js');

    expect(MetricName).toMatchObject({
      records: SpanMetric.records,
      validSpans: SpanMetric.validSpans,
      invalidSpans: SpanMetric.invalidSpans,
      producedSpans: SpanMetric.producedSpans,
      produceFailures: SpanMetric.produceFailures,
      skipped: SpanMetric.skippedSpans,
      batchFailures: SpanMetric.batchFailures,
      produceTime: SpanMetric.produceTime,
      lag: SpanMetric.lag,
      deadLettered: SpanMetric.deadLetteredSpans,
      decodedSpans: SpanMetric.decodedSpans,
      decompressed: SpanMetric.decompressedRecords,
      sizeLimitExceeded: SpanMetric.sizeLimitExceeded,
      truncated: SpanMetric.truncatedSpans,
      decorated: SpanMetric.decoratedSpans,
      routed: SpanMetric.routedSpans,
      routeFailures: SpanMetric.routeFailures,
    });
  });
});
