import { expect, it } from 'vitest';
import { sharedCluster } from '../harness/cluster-context.js';
import {
  checkOtlpTopics,
  describeOtlpTopics,
  expectOtlpStored,
  otlpRoutes,
} from '../helpers/otlp-stored.js';
import { spreadTraceRecord } from '../helpers/spread-traces.js';
import { rollingRestart } from './faults.js';
import { describeRun, underFault } from './under-fault.js';

/**
 * MSK's monthly patching: every broker in turn does a controlled shutdown (its leaderships move
 * to the other replicas while spans are in flight), comes back, and catches up before the next
 * one goes. The handler writes Haystack's bytes to the span topic and, with the default
 * settings, every span again as OpenTelemetry to an otlp-proto and an otlp-json route (one
 * message per trace of an invocation, traces spread over records far apart: spread-traces.ts),
 * so the per-partition check of kafkajs #1303 meets messages that carry many records' spans.
 * Nothing the handler answered as stored may be missing from any of the three topics; the OTLP
 * ones are decoded and compared span by span with the mapping.
 */
it('loses no span, Haystack or OpenTelemetry, while all three brokers restart one after another', async () => {
  const cluster = sharedCluster();
  const otlp = otlpRoutes('cluster');
  let moves: string[] = [];
  const result = await underFault(
    async ({ topic }) => {
      moves = await rollingRestart(cluster, [topic, ...otlp.topics]);
    },
    {
      routeTopics: otlp.topics,
      record: spreadTraceRecord,
      rate: 2_500,
      env: { ROUTES: otlp.routes },
    },
  );

  const checks = checkOtlpTopics(result.routed, otlp.formats, result.records, spreadTraceRecord);
  console.info(
    `${describeRun('rolling restart', result)}; ${describeOtlpTopics(checks)}; ${moves.join(', ')}`,
  );
  expect(result.missing, 'records answered as stored whose spans are not in the topic').toEqual([]);
  expect(result.foreign).toBe(0);
  expectOtlpStored(checks);
  expect(moves.some((m) => !m.endsWith(' led 0'))).toBe(true);
});
