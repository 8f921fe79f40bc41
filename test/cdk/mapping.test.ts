import type { Template } from 'aws-cdk-lib/assertions';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { MAPPING, MAPPING_METRICS, ON_FAILURE } from '../../cdk/defaults.js';
import { build, only, props, STREAM_ARN } from './fixtures.js';

/** The bucket the mapping writes to, and the one its access logs go to, told apart by logging. */
const buckets = (template: Template) =>
  Object.entries(template.findResources('AWS::S3::Bucket')).map(([id, resource]) => ({
    id,
    resource: resource as { Properties: Record<string, unknown> },
  }));
const failureBucket = (template: Template) => {
  const [found, ...more] = buckets(template).filter(
    (b) => b.resource.Properties.LoggingConfiguration,
  );
  if (!found || more.length > 0) throw new Error('Expected one failure bucket');
  return found;
};
const accessLogBucket = (template: Template) => {
  const [found, ...more] = buckets(template).filter(
    (b) => !b.resource.Properties.LoggingConfiguration,
  );
  if (!found || more.length > 0) throw new Error('Expected one access log bucket');
  return found;
};

describe('event source mapping', () => {
  it('reports batch item failures, bisects, bounds retries and record age, publishes its event counts, and keeps given-up batches in the failure bucket', () => {
    const { template } = build();

    const { resource } = only(template, 'AWS::Lambda::EventSourceMapping');
    const bucket = failureBucket(template);

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
      MetricsConfig: { Metrics: [...MAPPING_METRICS] },
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [bucket.id, 'Arn'] } } },
    });
    template.resourceCountIs('AWS::SQS::Queue', 0);
  });

  it('keeps the failure bucket encrypted, private, TLS-only, versioned, logged, expiring and retained', () => {
    const { template } = build();

    const bucket = failureBucket(template);
    const logs = accessLogBucket(template);
    const encrypted = {
      ServerSideEncryptionConfiguration: [
        { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
      ],
    };
    const private_ = {
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    };
    expect(bucket.resource.Properties).toMatchObject({
      BucketEncryption: encrypted,
      PublicAccessBlockConfiguration: private_,
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { DestinationBucketName: { Ref: logs.id } },
      LifecycleConfiguration: {
        Rules: [
          {
            Status: 'Enabled',
            ExpirationInDays: ON_FAILURE.expiryDays,
            NoncurrentVersionExpiration: { NoncurrentDays: ON_FAILURE.noncurrentVersionExpiryDays },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          },
          { Status: 'Enabled', ExpiredObjectDeleteMarker: true },
        ].map((rule) => expect.objectContaining(rule)),
      },
    });
    expect(logs.resource.Properties).toMatchObject({
      BucketEncryption: encrypted,
      PublicAccessBlockConfiguration: private_,
      LifecycleConfiguration: {
        Rules: [expect.objectContaining({ ExpirationInDays: ON_FAILURE.accessLogExpiryDays })],
      },
    });
    for (const id of [bucket.id, logs.id]) {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: id },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
    expect(
      Object.values(template.findResources('AWS::S3::Bucket')).map((b) => b.DeletionPolicy),
    ).toEqual(['Retain', 'Retain']);
  });

  it('takes the failure records expiry from the props', () => {
    const { template } = build(props({ onFailure: { expiryDays: 90 } }));

    expect(failureBucket(template).resource.Properties).toMatchObject({
      LifecycleConfiguration: {
        Rules: expect.arrayContaining([expect.objectContaining({ ExpirationInDays: 90 })]),
      },
    });
  });

  it('sends given-up batches to an encrypted SQS queue instead when asked, under the logical ID the queue had before the bucket', () => {
    const { template } = build(props({ onFailure: { destination: 'sqs' } }));

    const queue = only(template, 'AWS::SQS::Queue');
    expect(queue.id).toBe('SourceOnFailureA75CF94C');
    template.resourceCountIs('AWS::S3::Bucket', 0);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queue.id, 'Arn'] } } },
      MetricsConfig: { Metrics: ['EventCount'] },
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

  it('names the function, the mapping and the failure bucket in the outputs, for npm run replay', () => {
    const { template } = build();

    const mapping = only(template, 'AWS::Lambda::EventSourceMapping');
    expect(template.toJSON().Outputs).toMatchObject({
      FunctionName: { Value: { Ref: 'CollectorFunction' } },
      EventSourceMappingUuid: { Value: { Ref: mapping.id } },
      FailureBucketName: { Value: { Ref: failureBucket(template).id } },
    });
  });

  it.each([
    [{ destination: 'sns' as 's3' }, 'onFailure.destination="sns"'],
    [{ expiryDays: 0 }, 'onFailure.expiryDays=0'],
    [{ destination: 'sqs' as const, expiryDays: 10 }, 'applies to the s3 destination only'],
  ])('refuses onFailure %j at synth', (onFailure, message) => {
    expect(() => build(props({ onFailure }))).toThrow(message);
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
