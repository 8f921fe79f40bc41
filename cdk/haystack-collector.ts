import { CfnOutput, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { acknowledgeFindings } from './acknowledgements.js';
import { CollectorAlarms } from './constructs/collector-alarms.js';
import { CollectorDashboard } from './constructs/collector-dashboard.js';
import { CollectorFunction } from './constructs/collector-function.js';
import { grantKafkaAccess } from './constructs/kafka-access.js';
import { SpanSource } from './constructs/span-source.js';
import { SpanStream } from './constructs/span-stream.js';
import type { CollectorProps } from './props.js';
import { resolveSettings, type Settings } from './settings.js';

/**
 * The Haystack Kinesis collector, as a construct for any CDK stack:
 *
 *   stream (or its fan-out consumer) -> event source mapping -> function (in the brokers' VPC)
 *     -> Kafka; batches given up on -> failure bucket (or queue); metrics -> alarms, dashboard.
 *
 * The props are the `collector` context of this repository's app, typed (`CollectorProps`);
 * every external resource (stream, cluster, network, keys) is imported by ID or ARN, so it
 * needs no AWS credentials at synth. One per stack: the function's logical ID is fixed
 * (`CollectorFunction`) so that `sam local invoke` and the env-vars files never change.
 */
export class HaystackCollector extends Construct {
  readonly settings: Settings;
  readonly stream: SpanStream;
  readonly collector: CollectorFunction;
  readonly source: SpanSource;
  readonly alarms: CollectorAlarms;
  readonly dashboard: CollectorDashboard;

  constructor(scope: Construct, id: string, props: CollectorProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const others = stack.node.findAll().filter((c) => c instanceof HaystackCollector && c !== this);
    if (others.length > 0) {
      throw new Error(
        `${this.node.path}: a stack holds at most one HaystackCollector (${others[0]?.node.path} is already in ${stack.stackName}); put each collector in a stack of its own`,
      );
    }
    // Names that must be unique per account and region: the stack's own name when the
    // collector is the stack (id `Default`, as in CollectorStack), qualified otherwise.
    const name = id === 'Default' ? stack.stackName : `${stack.stackName}-${id}`;

    this.settings = resolveSettings(props);
    this.stream = new SpanStream(this, 'Spans', this.settings.stream);
    this.collector = new CollectorFunction(this, 'Collector', this.settings);
    grantKafkaAccess(this.collector.role, this.settings);
    this.source = new SpanSource(
      this,
      'Source',
      this.stream.stream,
      this.collector.function,
      this.settings,
      name,
    );
    this.alarms = new CollectorAlarms(
      this,
      'Alarms',
      this.collector.function,
      this.source,
      this.settings,
    );
    this.dashboard = new CollectorDashboard(
      this,
      'Dashboard',
      this.collector.function,
      this.source,
      this.alarms.alarms,
      this.settings,
      name,
    );
    this.outputs();
    acknowledgeFindings(this);
  }

  /** What an operator needs at night (`npm run replay` takes the bucket and the function). */
  private outputs(): void {
    new CfnOutput(this, 'FunctionName', {
      description: 'The collector function (npm run replay -- --function)',
      value: this.collector.function.functionName,
    });
    new CfnOutput(this, 'EventSourceMappingUuid', {
      description:
        'The mapping: its metrics dimension EventSourceMappingUUID, and the failure records prefix aws/lambda/<uuid>/',
      value: this.source.mappingUuid,
    });
    const { bucket, queue } = this.source.onFailure;
    if (bucket !== undefined) {
      new CfnOutput(this, 'FailureBucketName', {
        description: 'Batches given up on, kept whole (npm run replay -- --bucket)',
        value: bucket.bucket.bucketName,
      });
    }
    if (queue !== undefined) {
      new CfnOutput(this, 'OnFailureQueueUrl', {
        description: 'Shard and sequence range of batches given up on',
        value: queue.queueUrl,
      });
    }
  }
}
