import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { readSecretsManager } from '../../lambda/kafka/connection.js';
import { sharedCluster } from '../harness/cluster-context.js';
import {
  electPreferredLeaders,
  fullyReplicated,
  preferredLeaders,
  setScramPassword,
  topicPartitions,
  waitForPartitions,
} from '../harness/kafka/cluster-admin.js';
import { collector } from '../helpers/collector.js';
import { useSecretsManager } from '../helpers/secrets-manager.js';
import { describeRun, underFault } from './under-fault.js';

/**
 * A SCRAM password rotated on the cluster and in Secrets Manager while the warm handler runs.
 * Connections authenticated before stay so; the first new one (a broker restarted, and its
 * leaderships came back to it) is refused with the old password. The producer then reads the
 * secret again, once, and rebuilds itself (within the same invocation when the refusal came on a
 * produce request, else for the next one): later invocations store their spans without a cold
 * start, and nothing answered as stored is missing. The secret is only ever read again after a
 * refusal, so the one read after the rotation is the proof that the refusal happened.
 */
const secrets = useSecretsManager();

it('stores the spans of the invocations after a SCRAM password rotation, reading the secret once more', async () => {
  const cluster = sharedCluster();
  const bootstrap = cluster.bootstrap.plaintext.join(',');
  const saslBrokers = cluster.bootstrap.saslSsl ?? [];
  const username = `rotation-${randomBytes(4).toString('hex')}`;
  const [before, after] = [randomBytes(12).toString('hex'), randomBytes(12).toString('hex')];
  let arn = '';
  let reads = 0;
  let readsAfterRotation = 0;
  let onRead: (() => void) | undefined;
  const result = await underFault(
    async ({ topic, nextFailure, stored }) => {
      await setScramPassword(cluster.libsDir, bootstrap, 'SCRAM-SHA-512', username, after);
      await secrets.put(arn, username, after);
      const readsBefore = reads;
      const reread = new Promise<void>((resolve) => {
        onRead = resolve;
      });
      // Stalled: ten invocations refused while the secret is never read again.
      const stalled = (async () => {
        for (let i = 0; i < 10; i++) await nextFailure();
        return 'stalled' as const;
      })();
      await cluster.control.restart(2);
      await waitForPartitions(cluster.brokers, topic, fullyReplicated, { what: 'in sync' });
      const partitions = (await topicPartitions(cluster.brokers, topic)).map((p) => p.partition);
      await electPreferredLeaders(cluster.libsDir, bootstrap, topic, partitions);
      await waitForPartitions(cluster.brokers, topic, preferredLeaders, { what: 'leaders back' });
      // The producer was refused the old password and read the secret again; then recovered:
      // a thousand more records stored.
      const outcome = await Promise.race([
        reread.then(() => stored(1_000)).then(() => 'recovered' as const),
        stalled,
      ]);
      readsAfterRotation = reads - readsBefore;
      if (outcome === 'stalled') {
        throw new Error(
          'every invocation after the rotation fails: the shard stalls until a cold start',
        );
      }
    },
    {
      prepare: async () => {
        await setScramPassword(cluster.libsDir, bootstrap, 'SCRAM-SHA-512', username, before);
        arn = await secrets.create(username, before);
      },
      collector: (env) =>
        collector(
          saslBrokers,
          {
            ...env,
            KAFKA_SSL: 'true',
            KAFKA_SSL_CA_FILE: cluster.caPem ?? '',
            KAFKA_SASL_MECHANISM: 'scram-sha-512',
            KAFKA_SASL_SECRET_ARN: arn,
          },
          {
            readSecret: (secretArn) => {
              reads++;
              onRead?.();
              return readSecretsManager(secretArn);
            },
          },
        ),
    },
  );

  console.info(
    `${describeRun('SCRAM password rotation', result)}; secret read ${reads} times (${readsAfterRotation} after the rotation)`,
  );
  expect(readsAfterRotation).toBe(1);
  expect(result.missing, 'records answered as stored whose spans are not in the topic').toEqual([]);
});
