import { expect, it } from 'vitest';
import { sharedCluster } from '../harness/cluster-context.js';
import {
  fullyReplicated,
  leaderOfMost,
  topicPartitions,
  waitForPartitions,
} from '../harness/kafka/cluster-admin.js';
import { describeRun, underFault } from './under-fault.js';

/**
 * A broker crash: SIGKILL of the broker leading most of the topic's partitions. Its requests in
 * flight die with it, the controller fences it after its session times out and moves its
 * leaderships, and it comes back later and catches up, all while spans keep coming.
 */
it('loses no span when the leader of most partitions is killed and comes back', async () => {
  const cluster = sharedCluster();
  let killed = 0;
  let led = 0;
  const result = await underFault(async ({ topic, stored }) => {
    const before = await topicPartitions(cluster.brokers, topic);
    killed = leaderOfMost(before);
    led = before.filter((p) => p.leader === killed).length;
    await cluster.control.kill(killed);
    await waitForPartitions(
      cluster.brokers.filter((_, i) => i + 1 !== killed),
      topic,
      (partitions) => partitions.every((p) => p.leader >= 0 && p.leader !== killed),
      { what: `leaders moved off broker ${killed}` },
    );
    // Spans go on to the two survivors for a while before the broker returns.
    await stored(1_000);
    await cluster.control.restart(killed);
    await waitForPartitions(cluster.brokers, topic, fullyReplicated, { what: 'back in sync' });
  });

  console.info(`${describeRun(`SIGKILL of broker ${killed} (led ${led})`, result)}`);
  expect(result.missing, 'records answered as stored whose spans are not in the topic').toEqual([]);
  expect(led).toBeGreaterThan(0);
});
