import { Duration, Stack } from 'aws-cdk-lib';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import {
  KinesisConsumerEventSource,
  KinesisEventSource,
  SqsDlq,
} from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ON_FAILURE_QUEUE } from '../defaults.js';
import type { Settings } from '../settings.js';

/**
 * The event source mapping from the stream (or its enhanced fan-out consumer) to the function,
 * answering with partial batch failures, with an on-failure queue that receives the shard and
 * sequence range of every batch given up on (metadata only: the records stay in the stream
 * and must be re-read before its retention ends).
 */
export class SpanSource extends Construct {
  readonly onFailureQueue: sqs.Queue;
  readonly consumer: kinesis.StreamConsumer | undefined;
  readonly eventSource: KinesisEventSource | KinesisConsumerEventSource;

  constructor(
    scope: Construct,
    id: string,
    stream: kinesis.IStream,
    fn: lambda.IFunction,
    settings: Settings['mapping'],
  ) {
    super(scope, id);
    this.onFailureQueue = new sqs.Queue(this, 'OnFailure', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(ON_FAILURE_QUEUE.retentionDays),
    });

    const props = {
      startingPosition: lambda.StartingPosition[settings.startingPosition],
      startingPositionTimestamp: settings.startingPositionTimestamp,
      batchSize: settings.batchSize,
      maxBatchingWindow: Duration.seconds(settings.maxBatchingWindowSeconds),
      parallelizationFactor: settings.parallelizationFactor,
      reportBatchItemFailures: true,
      bisectBatchOnError: settings.bisectBatchOnError,
      retryAttempts: settings.retryAttempts,
      // A Duration cannot be -1 (keep records until the stream drops them): CloudFormation's
      // default when the age is omitted.
      maxRecordAge:
        settings.maxRecordAgeSeconds === -1
          ? undefined
          : Duration.seconds(settings.maxRecordAgeSeconds),
      onFailure: new SqsDlq(this.onFailureQueue),
    };
    if (settings.enhancedFanOut) {
      this.consumer = new kinesis.StreamConsumer(this, 'Consumer', {
        // Unique per stream: two stacks (stages) may read the same stream.
        streamConsumerName: Stack.of(this).stackName,
        stream,
      });
      this.eventSource = new KinesisConsumerEventSource(this.consumer, props);
    } else {
      this.consumer = undefined;
      this.eventSource = new KinesisEventSource(stream, props);
    }
    fn.addEventSource(this.eventSource);
  }
}
