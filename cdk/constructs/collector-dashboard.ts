import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import {
  MappingMetric,
  mappingMetric,
  routedSpansOf,
  SpanMetric,
  SpanMetrics,
} from '../metrics.js';
import type { Settings } from '../settings.js';
import type { SpanSource } from './span-source.js';

/**
 * One dashboard, read top to bottom the way the data flows: alarm states, then what arrived
 * from Kinesis, what was refused, what Kafka acknowledged, what the decoders, decorators and
 * routes did, and the function's own health.
 */
export class CollectorDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(
    scope: Construct,
    id: string,
    fn: lambda.IFunction,
    source: SpanSource,
    alarms: readonly cloudwatch.IAlarm[],
    settings: Settings,
    /** Unique per account and region, and easy to find in the console. */
    dashboardName: string,
  ) {
    super(scope, id);
    const spans = new SpanMetrics(
      settings.telemetry.metricsNamespace,
      settings.telemetry.serviceName,
    );
    const minute = Duration.minutes(1);
    const graph = (title: string, left: cloudwatch.IMetric[], right: cloudwatch.IMetric[] = []) =>
      new cloudwatch.GraphWidget({ title, left, right, width: 12, height: 6 });
    const { routes } = settings.kafka;
    const { queue } = source.onFailure;
    // Shown whatever the settings: gzip and zlib records are recognised in every input format.
    const decoding = graph('Decoding and decorators (sum per minute)', [
      spans.sum(SpanMetric.decodedSpans, minute),
      spans.sum(SpanMetric.decompressedRecords, minute),
      spans.sum(SpanMetric.sizeLimitExceeded, minute),
      spans.sum(SpanMetric.truncatedSpans, minute),
      spans.sum(SpanMetric.decoratedSpans, minute),
    ]);
    // Only with routes: the function writes no route metric without them.
    const routing =
      routes.length === 0
        ? []
        : [
            graph(
              'Routes: messages acknowledged, per route and failed (sum per minute)',
              [
                spans.sum(SpanMetric.routedSpans, minute),
                ...routes.map(({ name }) =>
                  spans.sum(routedSpansOf(name), minute).with({ label: `route ${name}` }),
                ),
              ],
              [spans.sum(SpanMetric.routeFailures, minute)],
            ),
          ];

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName,
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          new cloudwatch.AlarmStatusWidget({
            title: 'Alarms',
            alarms: [...alarms],
            width: 24,
            height: 3,
          }),
        ],
        [
          graph('Spans in and out (sum per minute)', [
            spans.sum(SpanMetric.records, minute),
            spans.sum(SpanMetric.validSpans, minute),
            spans.sum(SpanMetric.producedSpans, minute),
          ]),
          graph('Spans not delivered (sum per minute)', [
            spans.sum(SpanMetric.invalidSpans, minute),
            spans.sum(SpanMetric.produceFailures, minute),
            spans.sum(SpanMetric.skippedSpans, minute),
            spans.sum(SpanMetric.deadLetteredSpans, minute),
            spans.sum(SpanMetric.batchFailures, minute),
          ]),
        ],
        [
          // What the mapping did with the records, before and around the function.
          graph(
            'Event source mapping: polled, invoked, failed (records per minute)',
            [
              mappingMetric(source.mappingUuid, MappingMetric.polled, minute),
              mappingMetric(source.mappingUuid, MappingMetric.invoked, minute),
              mappingMetric(source.mappingUuid, MappingMetric.failedInvoke, minute),
            ],
            [
              mappingMetric(source.mappingUuid, MappingMetric.onFailureDelivered, minute),
              mappingMetric(source.mappingUuid, MappingMetric.dropped, minute),
            ],
          ),
          decoding,
        ],
        routing,
        [
          graph('Lag (ms): iterator age and Kinesis to Kafka', [
            fn.metric('IteratorAge', { statistic: cloudwatch.Stats.MAXIMUM, period: minute }),
            spans.metric(SpanMetric.lag, cloudwatch.Stats.p(99), minute),
          ]),
          graph('Kafka produce time (ms)', [
            spans.metric(SpanMetric.produceTime, cloudwatch.Stats.p(50), minute),
            spans.metric(SpanMetric.produceTime, cloudwatch.Stats.p(99), minute),
          ]),
        ],
        [
          graph(
            'Function: invocations, errors, throttles',
            [
              fn.metricInvocations({ period: minute }),
              fn.metricErrors({ period: minute }),
              fn.metricThrottles({ period: minute }),
            ],
            [
              fn.metric('ConcurrentExecutions', {
                statistic: cloudwatch.Stats.MAXIMUM,
                period: minute,
              }),
            ],
          ),
          queue === undefined
            ? graph('Function duration (ms)', [
                fn.metricDuration({ statistic: cloudwatch.Stats.p(99), period: minute }),
              ])
            : graph(
                'Function duration (ms) and on-failure queue',
                [fn.metricDuration({ statistic: cloudwatch.Stats.p(99), period: minute })],
                [
                  queue.metricApproximateNumberOfMessagesVisible({
                    statistic: cloudwatch.Stats.MAXIMUM,
                    period: minute,
                  }),
                ],
              ),
        ],
      ],
    });
  }
}
