import { expect, it } from 'vitest';
import { sharedCluster } from '../harness/cluster-context.js';
import { fullyReplicated, waitForPartitions } from '../harness/kafka/cluster-admin.js';
import { randomTopic } from '../harness/topics.js';
import { collector } from '../helpers/collector.js';
import { OtlpDecisions } from '../helpers/otlp-decisions.js';
import {
  checkOtlpTopics,
  describeOtlpTopics,
  expectOtlpStored,
  otlpRoutes,
} from '../helpers/otlp-stored.js';
import { SPREAD, spreadTraceRecord } from '../helpers/spread-traces.js';
import { describeRun, underFault } from './under-fault.js';

/**
 * test/integration/otlp-accounting.test.ts on the cluster, through Lambda's rules: the handler
 * writes Haystack's bytes to the span topic and every span again as OpenTelemetry to two route
 * topics (otlp-proto and otlp-json), one message per trace of an invocation, traces spread over
 * records up to 375 apart (spread-traces.ts). The broker leading every partition of the OTLP
 * topics (and none of the span topic's) is killed while spans are in flight.
 *
 * kafkajs retries are 0 here, so every error the move causes reaches the batch response (the
 * default 5 retries outlast the cluster's 3 s fencing and would answer success). Until the
 * controller fences the dead broker, the span topic's request waits for the in-sync replicas
 * and is then acknowledged, while the OTLP requests fail at once: the answer names a record only
 * because of unacknowledged OTLP messages, each carrying spans of records far apart, and Lambda
 * re-delivers from it. The test waits for such an invocation, then for the leaders to move, and
 * checks every span of the shard in all three topics, the OTLP ones decoded span by span against
 * the mapping (docs/haystack-to-otlp.md). Were a message to name any record but the earliest it
 * carries (its last, say), this run would miss hundreds of records' spans in both OTLP topics.
 */
it('stores every span in the span topic and in OTLP messages when the leader of the OTLP topics is killed', async () => {
  const cluster = sharedCluster();
  const ids = cluster.nodes.map((n) => n.id);
  const killed = ids.at(-1) as number;
  const [a, b] = ids.filter((id) => id !== killed) as [number, number];
  const survivors = cluster.brokers.filter((_, i) => ids[i] !== killed);
  const topic = randomTopic('cluster-spans');
  const otlp = otlpRoutes('cluster');
  const decisions = new OtlpDecisions(otlp.formats);
  const partitions = (replicas: (p: number) => number[]) =>
    Array.from({ length: 6 }, (_, p) => replicas(p));

  const result = await underFault(
    async () => {
      const before = decisions.decided;
      await cluster.control.kill(killed);
      await decisions.reached(before + 1);
      for (const name of otlp.topics) {
        await waitForPartitions(
          survivors,
          name,
          (ps) => ps.every((p) => p.leader >= 0 && p.leader !== killed),
          { what: `leaders moved off broker ${killed}` },
        );
      }
      await cluster.control.restart(killed);
      for (const name of [topic, ...otlp.topics]) {
        await waitForPartitions(cluster.brokers, name, fullyReplicated, { what: 'back in sync' });
      }
    },
    {
      topic,
      routeTopics: otlp.topics,
      replicas: {
        [topic]: partitions((p) => (p % 2 ? [a, b, killed] : [b, a, killed])),
        ...Object.fromEntries(
          otlp.topics.map((name) => [
            name,
            partitions((p) => (p % 2 ? [killed, a, b] : [killed, b, a])),
          ]),
        ),
      },
      record: spreadTraceRecord,
      // Half the suite's usual rate, still 2.5 times what one Kinesis shard takes in (1,000
      // records/s): each record is written three times.
      rate: 2_500,
      env: { KAFKA_RETRIES: '0', ROUTES: otlp.routes },
      collector: (env) =>
        collector(cluster.bootstrap.plaintext, env, { onDelivery: decisions.observe }),
    },
  );

  const checks = checkOtlpTopics(result.routed, otlp.formats, result.records, spreadTraceRecord);
  const widest = decisions.widest();
  console.info(
    `${describeRun(`SIGKILL of broker ${killed}, leader of the OTLP topics`, result)}; ` +
      `${describeOtlpTopics(checks)}; ${decisions.decided} answers named a record for OTLP ` +
      `messages alone (${decisions.unacknowledged} unacknowledged, spans up to ${widest} records apart)`,
  );
  expect(
    result.missing,
    'records answered as stored whose spans are not in the span topic',
  ).toEqual([]);
  expect(result.foreign).toBe(0);
  expectOtlpStored(checks);
  expect(decisions.decided).toBeGreaterThan(0);
  expect(widest).toBeGreaterThanOrEqual(SPREAD);
  expect(result.run.discarded).toEqual([]);
});
