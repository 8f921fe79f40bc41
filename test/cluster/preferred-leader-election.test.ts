import { expect, it } from 'vitest';
import { sharedCluster } from '../harness/cluster-context.js';
import {
  electPreferredLeaders,
  fullyReplicated,
  type PartitionState,
  preferredLeaders,
  topicPartitions,
  waitForPartitions,
} from '../harness/kafka/cluster-admin.js';
import { describeRun, underFault } from './under-fault.js';

/**
 * After a restart a broker leads nothing until leaders are rebalanced; the preferred leader
 * election (kafka-leader-election, or the brokers' own rebalance) moves those leaderships back
 * to it while spans are in flight.
 */
it('loses no span while a preferred leader election moves leaders back', async () => {
  const cluster = sharedCluster();
  const bootstrap = cluster.bootstrap.plaintext.join(',');
  let before: PartitionState[] = [];
  const result = await underFault(
    async ({ topic }) => {
      before = await topicPartitions(cluster.brokers, topic);
      await electPreferredLeaders(
        cluster.libsDir,
        bootstrap,
        topic,
        before.map((p) => p.partition),
      );
      await waitForPartitions(cluster.brokers, topic, preferredLeaders, {
        what: 'preferred leaders elected',
      });
    },
    {
      // Broker 1 restarts before the load: its partitions are led by the others until the election.
      prepare: async (topic) => {
        await cluster.control.restart(1);
        await waitForPartitions(cluster.brokers, topic, fullyReplicated, { what: 'in sync' });
      },
    },
  );

  const moved = before.filter((p) => p.leader !== p.replicas[0]).length;
  console.info(`${describeRun(`preferred leader election (${moved} leaders moved)`, result)}`);
  expect(result.missing, 'records answered as stored whose spans are not in the topic').toEqual([]);
  expect(moved).toBeGreaterThan(0);
});
