import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { CollectorAlarms } from './constructs/collector-alarms.js';
import type { CollectorDashboard } from './constructs/collector-dashboard.js';
import type { CollectorFunction } from './constructs/collector-function.js';
import type { SpanSource } from './constructs/span-source.js';
import type { SpanStream } from './constructs/span-stream.js';
import { HaystackCollector } from './haystack-collector.js';
import type { CollectorProps } from './props.js';
import type { Settings } from './settings.js';

/** Props of {@link CollectorStack}: the collector's settings and the usual stack props. */
export interface CollectorStackProps extends StackProps {
  readonly collector: CollectorProps;
}

/**
 * A stack that holds one {@link HaystackCollector} and nothing else: what `cdk.json`'s app
 * deploys. The collector's ID is `Default`, which CDK leaves out of logical IDs, so the
 * resources keep the IDs they had when the stack built them itself (an upgrade replaces none).
 *
 * Environment-agnostic unless `env` is given: every external resource is imported by ID or
 * ARN, so synthesis needs no AWS credentials.
 */
export class CollectorStack extends Stack {
  readonly haystack: HaystackCollector;
  // The collector's parts, as the stack exposed them before the construct existed.
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
    this.haystack = new HaystackCollector(this, 'Default', props.collector);
    ({
      settings: this.settings,
      stream: this.stream,
      collector: this.collector,
      source: this.source,
      alarms: this.alarms,
      dashboard: this.dashboard,
    } = this.haystack);
  }
}
