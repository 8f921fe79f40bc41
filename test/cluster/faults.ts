import type { SharedCluster } from '../harness/cluster-context.js';
import {
  fullyReplicated,
  topicPartitions,
  waitForPartitions,
} from '../harness/kafka/cluster-admin.js';

/**
 * MSK's patching: each broker in turn does a controlled shutdown (its leaderships move to the
 * other replicas), starts again and catches up (every replica of the topics back in sync) before
 * the next one goes. Returns how many of the topics' partitions each broker led when it went.
 */
export async function rollingRestart(
  cluster: SharedCluster,
  ...topics: string[]
): Promise<string[]> {
  const moves: string[] = [];
  for (const { id } of cluster.nodes) {
    let led = 0;
    for (const topic of topics) {
      led += (await topicPartitions(cluster.brokers, topic)).filter((p) => p.leader === id).length;
    }
    await cluster.control.restart(id);
    for (const topic of topics) {
      await waitForPartitions(cluster.brokers, topic, fullyReplicated, {
        what: `broker ${id} back in sync`,
      });
    }
    moves.push(`broker ${id} led ${led}`);
  }
  return moves;
}
