import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { MAPPING } from '../../cdk/defaults.js';
import { build, only, props, STREAM_ARN } from './fixtures.js';

describe('event source mapping', () => {
  it('reports batch item failures, bisects, bounds retries and record age, and sends given-up batches to an encrypted SQS queue', () => {
    const { template } = build();

    const { resource } = only(template, 'AWS::Lambda::EventSourceMapping');
    const queue = only(template, 'AWS::SQS::Queue');

    expect(resource.Properties).toMatchObject({
      FunctionName: { Ref: 'CollectorFunction' },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: MAPPING.retryAttempts,
      MaximumRecordAgeInSeconds: MAPPING.maxRecordAgeSeconds,
      BatchSize: MAPPING.batchSize,
      MaximumBatchingWindowInSeconds: MAPPING.maxBatchingWindowSeconds,
      ParallelizationFactor: MAPPING.parallelizationFactor,
      StartingPosition: MAPPING.startingPosition,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queue.id, 'Arn'] } } },
    });
    expect(queue.resource.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('keeps the default record age shorter than the created stream keeps records', () => {
    const { template } = build();

    const stream = only(template, 'AWS::Kinesis::Stream').resource.Properties;
    const mapping = only(template, 'AWS::Lambda::EventSourceMapping').resource.Properties;

    expect(mapping.MaximumRecordAgeInSeconds as number).toBeLessThan(
      (stream.RetentionPeriodHours as number) * 3600,
    );
  });

  it('takes every setting from the props', () => {
    const { template } = build(
      props({
        mapping: {
          batchSize: 2000,
          maxBatchingWindowSeconds: 5,
          parallelizationFactor: 4,
          startingPosition: 'AT_TIMESTAMP',
          startingPositionTimestamp: 1_764_000_000,
          bisectBatchOnError: false,
          retryAttempts: 50,
          maxRecordAgeSeconds: 3600,
        },
      }),
    );

    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 2000,
      MaximumBatchingWindowInSeconds: 5,
      ParallelizationFactor: 4,
      StartingPosition: 'AT_TIMESTAMP',
      StartingPositionTimestamp: 1_764_000_000,
      BisectBatchOnFunctionError: false,
      MaximumRetryAttempts: 50,
      MaximumRecordAgeInSeconds: 3600,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('reads an imported stream by its ARN and creates none', () => {
    const { template } = build(props({ stream: { arn: STREAM_ARN } }));

    template.resourceCountIs('AWS::Kinesis::Stream', 0);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: STREAM_ARN,
    });
  });

  it('reads through an enhanced fan-out consumer when asked', () => {
    const { template } = build(
      props({ stream: { arn: STREAM_ARN }, mapping: { enhancedFanOut: true } }),
    );

    const consumer = only(template, 'AWS::Kinesis::StreamConsumer');
    expect(consumer.resource.Properties).toMatchObject({
      StreamARN: STREAM_ARN,
      ConsumerName: 'Collector',
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [consumer.id, 'ConsumerARN'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it.each([
    [{ batchSize: 0 }, 'mapping.batchSize=0'],
    [{ parallelizationFactor: 11 }, 'mapping.parallelizationFactor=11'],
    [{ maxRecordAgeSeconds: 30 }, 'mapping.maxRecordAgeSeconds=30'],
    [{ retryAttempts: -1, maxRecordAgeSeconds: -1 }, 'both -1'],
    [{ maxRecordAgeSeconds: 86_400 }, "shorter than the stream's retention"],
    [{ startingPosition: 'AT_TIMESTAMP' as const }, 'startingPositionTimestamp is required'],
  ])('refuses %j at synth', (mapping, message) => {
    expect(() => build(props({ mapping }))).toThrow(message);
  });
});
