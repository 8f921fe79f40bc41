import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { acknowledgeFindings } from './acknowledgements.js';
import { CollectorAlarms } from './constructs/collector-alarms.js';
import { CollectorDashboard } from './constructs/collector-dashboard.js';
import { CollectorFunction } from './constructs/collector-function.js';
import { grantKafkaAccess } from './constructs/kafka-access.js';
import { SpanSource } from './constructs/span-source.js';
import { SpanStream } from './constructs/span-stream.js';
import type { CollectorProps } from './props.js';
import { resolveSettings, type Settings } from './settings.js';

/** Props of {@link CollectorStack}: the collector's settings and the usual stack props. */
export interface CollectorStackProps extends StackProps {
  readonly collector: CollectorProps;
}

/**
 * The Haystack Kinesis collector next to an existing Kafka cluster:
 *
 *   stream (or its fan-out consumer) -> event source mapping -> function (in the brokers' VPC)
 *     -> Kafka; batches given up on -> on-failure queue; metrics -> alarms and a dashboard.
 *
 * Environment-agnostic unless `env` is given: every external resource is imported by ID or
 * ARN, so synthesis needs no AWS credentials.
 */
export class CollectorStack extends Stack {
  readonly settings: Settings;
  readonly stream: SpanStream;
  readonly collector: CollectorFunction;
  readonly source: SpanSource;
  readonly alarms: CollectorAlarms;
  readonly dashboard: CollectorDashboard;

  constructor(scope: Construct, id: string, props: CollectorStackProps) {
    super(scope, id, {
      description: 'Haystack spans from Kinesis to Kafka (haystack-kinesis-lambda-collector)',
      ...props,
    });
    this.settings = resolveSettings(props.collector);
    this.stream = new SpanStream(this, 'Spans', this.settings.stream);
    this.collector = new CollectorFunction(this, 'Collector', this.settings);
    grantKafkaAccess(this.collector.role, this.settings);
    this.source = new SpanSource(
      this,
      'Source',
      this.stream.stream,
      this.collector.function,
      this.settings.mapping,
    );
    this.alarms = new CollectorAlarms(
      this,
      'Alarms',
      this.collector.function,
      this.source.onFailureQueue,
      this.settings,
    );
    this.dashboard = new CollectorDashboard(
      this,
      'Dashboard',
      this.collector.function,
      this.source.onFailureQueue,
      this.alarms.alarms,
      this.settings,
    );
    acknowledgeFindings(this);
  }
}
