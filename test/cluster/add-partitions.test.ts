import { expect, it } from 'vitest';
import { javaPartition } from '../../lambda/kafka/partitioner.js';
import { sharedCluster } from '../harness/cluster-context.js';
import { addPartitions, topicPartitions } from '../harness/kafka/cluster-admin.js';
import { describeRun, underFault } from './under-fault.js';

/**
 * Partitions added to the span topic while spans are produced (kafka-topics --alter). A warm
 * producer goes on with the partition count it knows until its metadata is refreshed (every
 * 5 minutes, as Java's `metadata.max.age.ms`, or after an error), and a message's partition
 * never changes within one send, so every span lands where Java's partitioner puts its key for
 * the old count or the new one, and none is lost.
 */
it('loses no span while partitions are added, each span on Java’s partition for the old or the new count', async () => {
  const cluster = sharedCluster();
  const bootstrap = cluster.bootstrap.plaintext.join(',');
  let after = 0;
  const result = await underFault(
    async ({ topic }) => {
      await addPartitions(cluster.libsDir, bootstrap, topic, 9);
      after = (await topicPartitions(cluster.brokers, topic)).length;
    },
    { partitions: 6 },
  );

  const misplaced = result.stored.filter((m) => {
    const key = m.key as Buffer;
    return m.partition !== javaPartition(key, 6) && m.partition !== javaPartition(key, 9);
  });
  const onNew = result.stored.filter((m) => m.partition >= 6).length;
  console.info(`${describeRun('partitions 6 -> 9', result)}; ${onNew} spans on the new partitions`);
  expect(after).toBe(9);
  expect(result.missing, 'records answered as stored whose spans are not in the topic').toEqual([]);
  expect(misplaced).toEqual([]);
});
