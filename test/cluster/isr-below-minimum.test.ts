import { expect, it } from 'vitest';
import { describeKafkaError } from '../../lambda/kafka/kafka-errors.js';
import { sharedCluster } from '../harness/cluster-context.js';
import { fullyReplicated, waitForPartitions } from '../harness/kafka/cluster-admin.js';
import { describeRun, underFault } from './under-fault.js';

/**
 * Two of three brokers down (say two availability zones): every partition keeps one in-sync
 * replica, fewer than `min.insync.replicas` 2, so Kafka refuses writes with acks=all
 * (NOT_ENOUGH_REPLICAS). The handler names the records, nothing is answered as stored that was
 * not, and once a second replica is back the shard catches up with nothing lost.
 */
it('names the records while in-sync replicas are below min.insync.replicas, and recovers', async () => {
  const cluster = sharedCluster();
  let types: string[] = [];
  const result = await underFault(async ({ topic, nextFailure, collector }) => {
    await cluster.control.shutdown(2);
    await cluster.control.shutdown(3);
    await waitForPartitions(
      [cluster.bootstrap.plaintext[0] as string],
      topic,
      (ps) => ps.every((p) => p.leader === 1 && p.isr.length === 1),
      { what: 'one in-sync replica left' },
    );
    await nextFailure();
    types = [...new Set(collector.errors.map((e) => describeKafkaError(e).type ?? e.name))];
    await cluster.control.restart(2);
    await cluster.control.restart(3);
    await waitForPartitions(cluster.brokers, topic, fullyReplicated, { what: 'back in sync' });
  });

  console.info(`${describeRun('ISR below min.insync.replicas', result)}; errors ${types}`);
  expect(types).toContain('NOT_ENOUGH_REPLICAS');
  expect(result.run.stats.partialFailures + result.run.stats.failures).toBeGreaterThan(0);
  expect(result.missing, 'records answered as stored whose spans are not in the topic').toEqual([]);
  expect(result.run.discarded).toEqual([]);
});
