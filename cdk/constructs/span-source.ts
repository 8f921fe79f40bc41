import { Duration, Stack } from 'aws-cdk-lib';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import {
  KinesisConsumerEventSource,
  KinesisEventSource,
} from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import { MAPPING_METRICS } from '../defaults.js';
import type { Settings } from '../settings.js';
import { createOnFailureDestination, type OnFailureDestination } from './on-failure-destination.js';

/**
 * The event source mapping from the stream (or its enhanced fan-out consumer) to the function,
 * answering with partial batch failures and publishing its own event counts, with the
 * on-failure destination that receives every batch given up on (whole, in the failure bucket;
 * or its shard and sequence range, in a queue).
 */
export class SpanSource extends Construct {
  readonly onFailure: OnFailureDestination;
  readonly consumer: kinesis.StreamConsumer | undefined;
  readonly eventSource: KinesisEventSource | KinesisConsumerEventSource;
  /** The mapping's UUID: the `EventSourceMappingUUID` dimension of its metrics, and the failure records' key prefix. */
  readonly mappingUuid: string;

  constructor(
    scope: Construct,
    id: string,
    stream: kinesis.IStream,
    fn: lambda.IFunction,
    settings: Pick<Settings, 'mapping' | 'onFailure'>,
    consumerName: string = Stack.of(scope).stackName,
  ) {
    super(scope, id);
    const { mapping } = settings;
    this.onFailure = createOnFailureDestination(this, settings.onFailure);

    const props = {
      startingPosition: lambda.StartingPosition[mapping.startingPosition],
      startingPositionTimestamp: mapping.startingPositionTimestamp,
      batchSize: mapping.batchSize,
      maxBatchingWindow: Duration.seconds(mapping.maxBatchingWindowSeconds),
      parallelizationFactor: mapping.parallelizationFactor,
      reportBatchItemFailures: true,
      bisectBatchOnError: mapping.bisectBatchOnError,
      retryAttempts: mapping.retryAttempts,
      // A Duration cannot be -1 (keep records until the stream drops them): CloudFormation's
      // default when the age is omitted.
      maxRecordAge:
        mapping.maxRecordAgeSeconds === -1
          ? undefined
          : Duration.seconds(mapping.maxRecordAgeSeconds),
      onFailure: this.onFailure.destination,
      // The enum's values are the API's names, as defaults.ts states them.
      metricsConfig: { metrics: [...MAPPING_METRICS] as lambda.MetricType[] },
    };
    if (mapping.enhancedFanOut) {
      this.consumer = new kinesis.StreamConsumer(this, 'Consumer', {
        // Unique per stream: two stacks (stages) may read the same stream.
        streamConsumerName: consumerName,
        stream,
      });
      this.eventSource = new KinesisConsumerEventSource(this.consumer, props);
    } else {
      this.consumer = undefined;
      this.eventSource = new KinesisEventSource(stream, props);
    }
    fn.addEventSource(this.eventSource);
    this.mappingUuid = this.eventSource.eventSourceMappingId;
  }
}
