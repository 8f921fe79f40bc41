import { expect, it } from 'vitest';
import { REAUTH_SESSION_MS, sharedCluster } from '../harness/cluster-context.js';
import { brokerMetrics } from '../harness/kafka/cluster-admin.js';
import { createTopic, randomTopic, readAll } from '../harness/topics.js';
import { collector } from '../helpers/collector.js';
import { encodeSpan, kinesisEvent, lambdaContext } from '../helpers/factories.js';

/**
 * KIP-368 re-authentication over a long life of one warm producer: on the cluster's SASL_SSL
 * listener a SCRAM-SHA-256 session lasts {@link REAUTH_SESSION_MS} (15 s), and the broker
 * refuses any request but re-authentication on a connection whose session expired. The warm
 * handler produces for six session lifetimes, with one idle gap longer than a session (a
 * container between invocations), the equivalent of 90 minutes of MSK IAM's 15-minute
 * sessions. Every invocation must be acknowledged, and the brokers' own counters must show
 * re-authentications, none failed, and no connection closed for an expired session (which
 * kafkajs would have hidden by reconnecting).
 */
const SESSIONS = 6;
const METRICS = [
  'successful-reauthentication-total',
  'failed-reauthentication-total',
  'expired-connections-killed-count',
] as const;

async function authenticationCounters(): Promise<Record<string, number>> {
  const cluster = sharedCluster();
  const totals: Record<string, number> = Object.fromEntries(METRICS.map((m) => [m, 0]));
  for (const node of cluster.nodes) {
    const counts = await brokerMetrics(
      cluster.libsDir,
      node.jmxPort as number,
      'kafka.server:type=socket-server-metrics,listener=SASL_SSL,networkProcessor=*',
      [...METRICS],
    );
    for (const m of METRICS) totals[m] = (totals[m] ?? 0) + (counts[m] ?? 0);
  }
  return totals;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('keeps a warm SCRAM producer working through many session expiries and an idle gap', async () => {
  const cluster = sharedCluster();
  const { username, password } = cluster.sasl?.scram ?? { username: '', password: '' };
  const topic = randomTopic('reauth');
  await createTopic(cluster.brokers, topic, 6, { replicationFactor: 3 });
  const c = await collector(
    cluster.bootstrap.saslSsl ?? [],
    {
      KAFKA_TOPIC: topic,
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: cluster.caPem ?? '',
      KAFKA_SASL_MECHANISM: 'scram-sha-256',
      KAFKA_SASL_SECRET_ARN:
        'arn:aws:secretsmanager:us-east-1:123456789012:secret:AmazonMSK_reauth',
    },
    { readSecret: async () => ({ username, password }) },
  );
  const before = await authenticationCounters();

  const started = Date.now();
  const failures: string[] = [];
  let sent = 0;
  let idled = false;
  try {
    // Traffic twice a second, and once, after two sessions, nothing for more than a session.
    while (Date.now() - started < SESSIONS * REAUTH_SESSION_MS) {
      if (!idled && Date.now() - started > 2 * REAUTH_SESSION_MS) {
        idled = true;
        await pause(REAUTH_SESSION_MS + 2_000);
      }
      const event = kinesisEvent(
        Array.from({ length: 100 }, (_, i) => encodeSpan({ traceId: `reauth-${sent + i}` })),
        sent,
      );
      sent += 100;
      const response = await c.handler(event, lambdaContext(30_000));
      if (response.batchItemFailures.length > 0) failures.push(JSON.stringify(response));
      await pause(500);
    }
  } finally {
    await c.close();
  }
  const after = await authenticationCounters();
  const delta = Object.fromEntries(METRICS.map((m) => [m, (after[m] ?? 0) - (before[m] ?? 0)]));
  const stored = await readAll(cluster.brokers, topic, sent, 60_000);

  console.info(
    `re-authentication: ${sent} spans over ${Math.round((Date.now() - started) / 1000)} s ` +
      `(${SESSIONS} sessions of ${REAUTH_SESSION_MS / 1000} s, one idle gap); brokers counted ${JSON.stringify(delta)}; ` +
      `producer ${JSON.stringify(c.producer.stats)}`,
  );
  expect(failures).toEqual([]);
  expect(new Set(stored.map((m) => m.key?.toString())).size).toBe(sent);
  expect(delta['successful-reauthentication-total']).toBeGreaterThanOrEqual(SESSIONS - 1);
  expect(delta['failed-reauthentication-total']).toBe(0);
  expect(delta['expired-connections-killed-count']).toBe(0);
  expect(c.producer.stats).toMatchObject({ connects: 1, rebuilds: 0 });
});
