import { expect, it } from 'vitest';
import { sharedCluster } from '../harness/cluster-context.js';
import {
  electPreferredLeaders,
  leaderOfMost,
  preferredLeaders,
  reassignPartitions,
  topicPartitions,
  waitForPartitions,
} from '../harness/kafka/cluster-admin.js';
import { describeRun, underFault } from './under-fault.js';

/**
 * Partition reassignment as an operator runs it to move a broker's load away
 * (kafka-reassign-partitions): every partition's replicas are moved off the broker that leads
 * most of them, which takes its leaderships away, then moved back (its replicas copy the data
 * again under load) and its leaderships restored by a preferred election.
 */
it('loses no span while partitions are reassigned off a broker and back', async () => {
  const cluster = sharedCluster();
  const bootstrap = cluster.bootstrap.plaintext.join(',');
  let moved = 0;
  let broker = 0;
  const result = await underFault(async ({ topic }) => {
    const before = await topicPartitions(cluster.brokers, topic);
    broker = leaderOfMost(before);
    moved = before.filter((p) => p.leader === broker).length;
    const without = before.map((p) => p.replicas.filter((r) => r !== broker));
    await reassignPartitions(cluster.libsDir, bootstrap, topic, without);
    await waitForPartitions(
      cluster.brokers,
      topic,
      (ps) => ps.every((p) => p.leader >= 0 && p.leader !== broker && !p.replicas.includes(broker)),
      { what: `replicas off broker ${broker}` },
    );
    await reassignPartitions(
      cluster.libsDir,
      bootstrap,
      topic,
      before.map((p) => p.replicas),
    );
    await electPreferredLeaders(
      cluster.libsDir,
      bootstrap,
      topic,
      before.map((p) => p.partition),
    );
    await waitForPartitions(cluster.brokers, topic, preferredLeaders, { what: 'leaders back' });
  });

  console.info(
    `${describeRun(`reassignment off broker ${broker} and back (${moved} leaders moved)`, result)}`,
  );
  expect(result.missing, 'records answered as stored whose spans are not in the topic').toEqual([]);
  expect(moved).toBeGreaterThan(0);
});
