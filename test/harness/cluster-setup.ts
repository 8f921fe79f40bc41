import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { CLUSTER_REGION, REAUTH_SESSION_MS } from './cluster-context.js';
import { serveClusterControl } from './cluster-control.js';
import { startKafkaCluster } from './kafka/cluster.js';

/**
 * Vitest global setup of the cluster project: one production-shaped cluster (a controller and
 * three brokers, replication factor 3, `min.insync.replicas` 2; kafka/cluster.ts) for all its
 * test files, which run one after another and each leave every broker running and every
 * replica in sync. Brokers have PLAINTEXT and SASL_SSL listeners (SCRAM); sessions of
 * SCRAM-SHA-256 last `REAUTH_SESSION_MS`, so connections must re-authenticate (KIP-368) as
 * MSK IAM's do every 15 minutes, while SCRAM-SHA-512 sessions never expire. Each broker also has
 * an MSK IAM listener (one IAM for the cluster in `CLUSTER_REGION`; see kafka/msk-iam.ts), whose
 * sessions last what each test's identity says. JMX is open on loopback for the brokers'
 * authentication metrics.
 *
 * Tests read it with `sharedCluster()` (cluster-context.ts), and stop, kill and restart
 * brokers through its remote control.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const cluster = await startKafkaCluster({
    saslScram: { username: 'harness-scram', password: randomBytes(12).toString('hex') },
    mskIam: { region: CLUSTER_REGION },
    jmx: true,
    serverProperties: {
      'listener.name.sasl_ssl.scram-sha-256.connections.max.reauth.ms': REAUTH_SESSION_MS,
      // Leaders move when a test moves them, never on the broker's own 5-minute timer: a
      // test that prepares an imbalance must still find it when its fault starts.
      'auto.leader.rebalance.enable': false,
    },
  });
  const control = await serveClusterControl(cluster);
  const info = cluster.info();
  console.log(
    `[harness] Kafka ${cluster.version} cluster ready at ${info.brokers.join(',')} ` +
      `(controller and ${cluster.nodes.length} brokers in ${Date.now() - started} ms; logs ${cluster.nodes.map((n) => n.logFile).join(' ')})`,
  );
  project.provide('cluster', { ...info, control: control.url });
  return async () => {
    await control.close();
    await cluster.stop();
  };
}
