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
 * `before(id)`, when given, runs just before broker `id` goes: a test waits there for what must
 * happen first.
 */
export async function rollingRestart(
  cluster: SharedCluster,
  topics: string | readonly string[],
  before?: (id: number) => Promise<void>,
): Promise<string[]> {
  const all = typeof topics === 'string' ? [topics] : topics;
  const moves: string[] = [];
  for (const { id } of cluster.nodes) {
    await before?.(id);
    let led = 0;
    for (const topic of all) {
      led += (await topicPartitions(cluster.brokers, topic)).filter((p) => p.leader === id).length;
    }
    await cluster.control.restart(id);
    for (const topic of all) {
      await waitForPartitions(cluster.brokers, topic, fullyReplicated, {
        what: `broker ${id} back in sync`,
      });
    }
    moves.push(`broker ${id} led ${led}`);
  }
  return moves;
}
