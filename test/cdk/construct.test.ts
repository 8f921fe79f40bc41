import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { HaystackCollector } from '../../cdk/index.js';
import { BASE, build, cdkJsonContext, props, STREAM_ARN } from './fixtures.js';

const app = () =>
  new App({ context: { ...cdkJsonContext(), 'aws:cdk:disable-asset-staging': true } });

describe('HaystackCollector in a stack of your own', () => {
  it('builds the whole collector beside the stack’s other resources, with names qualified by its ID', () => {
    const stack = new Stack(app(), 'Platform');
    new HaystackCollector(
      stack,
      'Tracing',
      props({ stream: { arn: STREAM_ARN }, mapping: { enhancedFanOut: true } }),
    );

    const template = Template.fromStack(stack);

    template.resourceCountIs('AWS::Kinesis::Stream', 0);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: 'Platform-Tracing',
    });
    template.hasResourceProperties('AWS::Kinesis::StreamConsumer', {
      ConsumerName: 'Platform-Tracing',
    });
  });

  it('refuses a second collector in the same stack, whose function would share the fixed logical ID', () => {
    const stack = new Stack(app(), 'Platform');
    new HaystackCollector(stack, 'One', BASE);

    expect(() => new HaystackCollector(stack, 'Two', BASE)).toThrow(
      'Platform/Two: a stack holds at most one HaystackCollector (Platform/One is already in Platform); put each collector in a stack of its own',
    );
  });
});

describe('CollectorStack', () => {
  it('keeps the logical IDs the resources had before the construct existed, so an upgrade replaces nothing', () => {
    const ids = (collector = BASE) => Object.keys(build(collector).template.toJSON().Resources);

    // What 0.1.0 synthesized for this stack, before the construct (SQS was its only destination).
    const before = [
      'SpansStream72352845',
      'CollectorLogs2B7E6569',
      'CollectorRole4C6A1291',
      'CollectorRoleDefaultPolicy02D41903',
      'CollectorFunction',
      'CollectorFunctionKinesisEventSourceCollectorSpansStream703D3E5C59917FD9',
      'SourceOnFailureA75CF94C',
      'SourceOnFailurePolicyAECB8D55',
      'AlarmsIteratorAge6ED5385D',
      'AlarmsErrorsE6AA3AE1',
      'AlarmsThrottles94AAEF9B',
      'AlarmsOnFailureMessagesF01AB862',
      'AlarmsInvalidSpans4C173FC5',
      'AlarmsDeadLetteredSpans63300E78',
      'AlarmsProduceFailures9F808AC6',
      'Dashboard7A714131',
    ];

    expect(ids(props({ onFailure: { destination: 'sqs' } }))).toEqual(
      expect.arrayContaining(before),
    );
    expect(ids()).toEqual(
      expect.arrayContaining(before.filter((id) => !/OnFailure(Messages|A75|Policy)/.test(id))),
    );
  });
});
