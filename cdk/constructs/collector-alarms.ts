import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { ALARMS } from '../defaults.js';
import { MappingMetric, mappingMetric, SpanMetric, SpanMetrics } from '../metrics.js';
import type { Settings } from '../settings.js';
import type { SpanSource } from './span-source.js';

/**
 * The alarms an operator acts on; what each means and what to do is in docs/deploy.md. With no
 * traffic there are no data points: missing data never alarms, because an idle stream is fine.
 */
export class CollectorAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  /** Where alarm and OK notifications go, when configured. */
  readonly topic: sns.ITopic | undefined;

  constructor(
    scope: Construct,
    id: string,
    fn: lambda.IFunction,
    source: SpanSource,
    settings: Settings,
  ) {
    super(scope, id);
    const { alarms: thresholds, telemetry } = settings;
    const spans = new SpanMetrics(telemetry.metricsNamespace, telemetry.serviceName);
    this.topic = alarmTopic(this, thresholds);

    this.add('IteratorAge', {
      metric: fn.metric('IteratorAge', {
        statistic: cloudwatch.Stats.MAXIMUM,
        period: Duration.minutes(1),
      }),
      threshold: thresholds.iteratorAgeMs,
      evaluationPeriods: 5,
      alarmDescription:
        'Spans reach Kafka late: the oldest record read is older than the threshold (ms). Check Errors, Throttles and produce failures; raise the parallelization factor if the function keeps up with no errors.',
    });
    this.add('Errors', {
      metric: fn.metricErrors({ period: Duration.minutes(5) }),
      threshold: thresholds.errors,
      alarmDescription:
        'The function crashed, timed out or ran out of memory: the whole batch is retried and, with bisection, split. Read the function logs.',
    });
    this.add('Throttles', {
      metric: fn.metricThrottles({ period: Duration.minutes(5) }),
      threshold: thresholds.throttles,
      alarmDescription:
        'Invocations were throttled: the shards wait. Raise reserved concurrency or the account limit.',
    });
    this.add('OnFailureEvents', {
      metric: mappingMetric(source.mappingUuid, MappingMetric.onFailureDelivered),
      threshold: thresholds.onFailureEvents,
      alarmDescription:
        source.onFailure.queue === undefined
          ? 'A batch was given up on (retries or record age exhausted) and kept whole in the failure bucket. Find out why (function logs, ProduceFailures), fix it, then replay it: npm run replay -- list, then npm run replay -- run (docs/deploy.md, "A batch was given up on").'
          : 'A batch was given up on (retries or record age exhausted): its shard and sequence range are in the on-failure queue. Re-read it from the stream before the retention ends.',
    });
    this.add('DroppedEvents', {
      metric: mappingMetric(source.mappingUuid, MappingMetric.dropped),
      threshold: thresholds.droppedEvents,
      alarmDescription:
        'The event source mapping gave up on records and could not deliver them to the on-failure destination either (a deleted bucket or queue, or a missing permission): they are lost unless still in the stream. Check the destination and the role, then re-read the range from the stream.',
    });
    // Only the queue has a depth: it stays in alarm until the messages are dealt with.
    if (source.onFailure.queue !== undefined) {
      this.add('OnFailureMessages', {
        metric: source.onFailure.queue.metricApproximateNumberOfMessagesVisible({
          statistic: cloudwatch.Stats.MAXIMUM,
          period: Duration.minutes(5),
        }),
        threshold: thresholds.onFailureMessages,
        alarmDescription:
          'Batches given up on are waiting in the on-failure queue (shard and sequence range only). Re-read them from the stream before the retention ends.',
      });
    }
    this.add('InvalidSpans', {
      metric: spans.sum(SpanMetric.invalidSpans),
      threshold: thresholds.invalidSpans,
      alarmDescription:
        'Records that are not valid Haystack spans were dropped for good (never retried). The warning log names the reason and sequence numbers; fix the client that writes them.',
    });
    this.add('DeadLetteredSpans', {
      metric: spans.sum(SpanMetric.deadLetteredSpans),
      threshold: thresholds.deadLetteredSpans,
      alarmDescription:
        'Refused records (invalid spans, spans too large to produce) were written to the dead-letter topic with the reason: inspect them there, fix the client, replay if needed.',
    });
    this.add('ProduceFailures', {
      metric: spans.sum(SpanMetric.produceFailures),
      threshold: thresholds.produceFailures,
      evaluationPeriods: ALARMS.produceFailurePeriods,
      alarmDescription:
        'Kafka has not acknowledged spans for 15 minutes: their records are re-delivered but the shard does not advance. Check the brokers, the network path and the IAM or SCRAM credentials.',
    });
    // Without routes the metric is never written: an alarm on it could only mislead.
    if (settings.kafka.routes.length > 0) {
      this.add('RouteFailures', {
        metric: spans.sum(SpanMetric.routeFailures),
        threshold: thresholds.routeFailures,
        evaluationPeriods: ALARMS.routeFailurePeriods,
        alarmDescription:
          'Route messages (kafka.routes) have not been acknowledged for 15 minutes: their records are re-delivered, main-topic spans are produced again and the shard does not advance. ProduceFailures fires too; the dashboard shows which route still delivers. Check that the route topics exist, and the route cluster, its network path and IAM rights.',
      });
    }
  }

  private add(
    id: string,
    props: Omit<cloudwatch.AlarmProps, 'comparisonOperator' | 'evaluationPeriods'> & {
      evaluationPeriods?: number;
    },
  ): void {
    const alarm = new cloudwatch.Alarm(this, id, {
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      ...props,
    });
    if (this.topic) {
      alarm.addAlarmAction(new actions.SnsAction(this.topic));
      alarm.addOkAction(new actions.SnsAction(this.topic));
    }
    this.alarms.push(alarm);
  }
}

/**
 * The notification topic: an existing one by ARN, or a new one encrypted with a rotated key
 * that CloudWatch may use (alarms cannot publish to a topic under the AWS-managed SNS key).
 */
function alarmTopic(scope: Construct, settings: Settings['alarms']): sns.ITopic | undefined {
  if (settings.topicArn !== undefined)
    return sns.Topic.fromTopicArn(scope, 'Topic', settings.topicArn);
  if (settings.email === undefined) return undefined;
  const key = new kms.Key(scope, 'TopicKey', {
    description: 'Encrypts the Haystack collector alarm topic',
    enableKeyRotation: true,
  });
  key.grant(
    new iam.ServicePrincipal('cloudwatch.amazonaws.com'),
    'kms:Decrypt',
    'kms:GenerateDataKey*',
  );
  const topic = new sns.Topic(scope, 'Topic', { masterKey: key, enforceSSL: true });
  topic.addSubscription(new subscriptions.EmailSubscription(settings.email));
  return topic;
}
