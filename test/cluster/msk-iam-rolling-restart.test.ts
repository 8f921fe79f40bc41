import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { describeKafkaError, isAuthenticationFailure } from '../../lambda/kafka/kafka-errors.js';
import { isBadSaslState } from '../../lambda/kafka/reauthentication.js';
import { CLUSTER_REGION, sharedCluster } from '../harness/cluster-context.js';
import {
  electPreferredLeaders,
  preferredLeaders,
  topicPartitions,
  waitForPartitions,
} from '../harness/kafka/cluster-admin.js';
import { type AuthCounters, BrokerIam } from '../harness/kafka/msk-iam.js';
import { freePort } from '../harness/ports.js';
import { collector } from '../helpers/collector.js';
import { rollingRestart } from './faults.js';
import { describeRun, underFault } from './under-fault.js';

/**
 * MSK IAM, the default authentication, on the cluster as MSK runs it: every broker checks each
 * token itself against the cluster's one IAM, and a session lasts {@link SESSION_MS}, so every
 * connection to every broker re-authenticates (KIP-368) every couple of seconds, while MSK's
 * patching (controlled shutdowns, one broker after another) moves every leader under load. The
 * handler runs with its default settings (KAFKA_SASL_MECHANISM aws-msk-iam, TLS with the
 * harness CA), signing tokens locally from dummy credentials; every AWS endpoint is a closed
 * port on loopback, so nothing can reach AWS.
 *
 * Each broker must count {@link REAUTHS} re-authentications before it goes down, and again on
 * the connections opened after every broker came back (a preferred leader election, as MSK's
 * automatic rebalance after patching, gives each broker leaders to produce to again). Nothing
 * answered as stored may be missing, no delivery may fail for authentication, no broker may
 * refuse a token or close a connection for an expired session, and the producer connects once.
 */
/** Re-authenticated after 3 s (reauthentication.ts): a second of margin for a loaded machine's delays. */
const SESSION_MS = 4_000;
const REAUTHS = 3;

const cluster = sharedCluster();
const brokers = cluster.nodes.map((node) => ({ id: node.id, iam: BrokerIam.of(node) }));
let sandbox: string;

beforeAll(async () => {
  sandbox = await mkdtemp(path.join(os.tmpdir(), 'msk-iam-cluster-'));
  // Nothing may reach AWS or read this machine's AWS configuration.
  vi.stubEnv('AWS_ENDPOINT_URL', `http://127.0.0.1:${await freePort()}`);
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  vi.stubEnv('AWS_CONFIG_FILE', path.join(sandbox, 'no-config'));
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', path.join(sandbox, 'no-credentials'));
});

afterAll(async () => {
  vi.unstubAllEnvs();
  if (sandbox) await rm(sandbox, { recursive: true, force: true });
});

/** What each broker counted between two samples of its counters. */
function counted(before: readonly AuthCounters[], after: readonly AuthCounters[]) {
  return brokers.map(({ id }, i) => {
    const [a, b] = [after[i] as AuthCounters, before[i] as AuthCounters];
    return {
      broker: id,
      authentications: a.authentications - b.authentications,
      reauthentications: a.reauthentications - b.reauthentications,
      failedAuthentications: a.failedAuthentications - b.failedAuthentications,
      failedReauthentications: a.failedReauthentications - b.failedReauthentications,
      expiredConnectionsKilled: a.expiredConnectionsKilled - b.expiredConnectionsKilled,
    };
  });
}

/** Waits until the broker has counted {@link REAUTHS} re-authentications more than `since`. */
function reauthenticated(index: number, since: AuthCounters, when: string): Promise<AuthCounters> {
  const { id, iam } = brokers[index] as (typeof brokers)[number];
  return iam.countsWhen(
    (counts) => counts.reauthentications >= since.reauthentications + REAUTHS,
    `broker ${id} to count ${REAUTHS} re-authentications ${when}`,
  );
}

it('MSK IAM: sessions of 4 s re-authenticate on every broker through a rolling restart, no span lost, no delivery failed for authentication', async () => {
  // The role's credentials, as Lambda puts them in the environment; the signer reads them there.
  const identity = brokers[0]?.iam.identity({ sessionMs: SESSION_MS });
  if (!identity) throw new Error('The cluster has no broker');
  vi.stubEnv('AWS_ACCESS_KEY_ID', identity.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', identity.secretAccessKey);
  vi.stubEnv('AWS_SESSION_TOKEN', identity.sessionToken ?? '');
  const bootstrap = cluster.bootstrap.plaintext.join(',');
  const start = await Promise.all(brokers.map(({ iam }) => iam.counts()));
  let moves: string[] = [];

  const result = await underFault(
    async ({ topic }) => {
      moves = await rollingRestart(cluster, topic, async (id) => {
        await reauthenticated(id - 1, start[id - 1] as AuthCounters, 'before its restart');
      });
      const back = await Promise.all(brokers.map(({ iam }) => iam.counts()));
      const partitions = (await topicPartitions(cluster.brokers, topic)).map((p) => p.partition);
      await electPreferredLeaders(cluster.libsDir, bootstrap, topic, partitions);
      await waitForPartitions(cluster.brokers, topic, preferredLeaders, { what: 'leaders back' });
      await Promise.all(
        brokers.map((_, i) =>
          reauthenticated(i, back[i] as AuthCounters, 'after every broker came back'),
        ),
      );
    },
    {
      collector: (env) =>
        collector(
          cluster.bootstrap.iam ?? [],
          { ...env, KAFKA_SSL_CA_FILE: cluster.caPem ?? '', AWS_REGION: CLUSTER_REGION },
          { defaults: true },
        ),
    },
  );
  const closedAt = Date.now();
  const end = await Promise.all(
    brokers.map(({ id, iam }) =>
      iam.countsWhen((c) => c.sampledAt > closedAt, `broker ${id}'s counts after the run`),
    ),
  );
  const perBroker = counted(start, end);
  const keys = new Set([identity.accessKeyId]);
  const decisions = await Promise.all(brokers.map(({ iam }) => iam.decisions(keys)));
  const { config, errors, producer } = result.collector;
  const failureTypes = [...new Set(errors.map((e) => describeKafkaError(e).type ?? e.name))];

  console.info(
    `${describeRun('MSK IAM rolling restart', result)}; ${moves.join(', ')}; ` +
      `failures caused by ${JSON.stringify(failureTypes)}; producer ${JSON.stringify(producer.stats)}; ` +
      `brokers counted ${JSON.stringify(perBroker)}; tokens accepted ${JSON.stringify(decisions.map((d) => d.length))}`,
  );
  // The default settings, and nothing else, were in play.
  expect(config.kafka.sasl).toMatchObject({ mechanism: 'aws-msk-iam', region: CLUSTER_REGION });
  expect(config.kafka.ssl).toBe(true);
  expect(result.missing, 'records answered as stored whose spans are not in the topic').toEqual([]);
  expect(moves.some((m) => !m.endsWith(' led 0'))).toBe(true);
  expect(errors.filter((e) => isAuthenticationFailure(e) || isBadSaslState(e))).toEqual([]);
  // Every token every broker saw was accepted, for the session the IAM grants.
  for (const [i, own] of decisions.entries()) {
    expect({ broker: i + 1, refused: own.filter((d) => d.decision !== 'ACCEPT') }).toEqual({
      broker: i + 1,
      refused: [],
    });
    expect(own.every((d) => d.decision === 'ACCEPT' && d.sessionMs === SESSION_MS)).toBe(true);
  }
  for (const broker of perBroker) {
    expect(broker).toMatchObject({
      failedAuthentications: 0,
      failedReauthentications: 0,
      expiredConnectionsKilled: 0,
    });
    expect(broker.reauthentications).toBeGreaterThanOrEqual(2 * REAUTHS);
  }
  // One producer for the whole run: the brokers' restarts were ridden out on its connections.
  expect(producer.stats).toMatchObject({ connects: 1, rebuilds: 0 });
});
