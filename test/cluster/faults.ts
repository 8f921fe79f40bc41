import type { SharedCluster } from '../harness/cluster-context.js';
import {
  fullyReplicated,
  topicPartitions,
  waitForPartitions,
} from '../harness/kafka/cluster-admin.js';

/**
 * MSK's patching: each broker in turn does a controlled shutdown (its leaderships move to the
 * other replicas), starts again and catches up (every replica of `topic` back in sync) before
 * the next one goes. Returns how many of the topic's partitions each broker led when it went.
 * `before(id)` runs just before broker `id` goes: a test waits there for what must happen first.
 */
export async function rollingRestart(
  cluster: SharedCluster,
  topic: string,
  before?: (id: number) => Promise<void>,
): Promise<string[]> {
  const moves: string[] = [];
  for (const { id } of cluster.nodes) {
    await before?.(id);
    const leaders = await topicPartitions(cluster.brokers, topic);
    await cluster.control.restart(id);
    await waitForPartitions(cluster.brokers, topic, fullyReplicated, {
      what: `broker ${id} back in sync`,
    });
    moves.push(`broker ${id} led ${leaders.filter((p) => p.leader === id).length}`);
  }
  return moves;
}
