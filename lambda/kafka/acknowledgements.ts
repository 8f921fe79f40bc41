import type { Message, RecordMetadata } from 'kafkajs';

/**
 * Which messages of one resolved kafkajs send Kafka really acknowledged.
 *
 * kafkajs 2.2.4 keeps, per broker, the answer of the first attempt that broker answered; when
 * a retry finds a partition now led by a broker that already answered (its leader moved after
 * a NOT_LEADER error elsewhere), it sends that partition nothing and resolves with the old
 * answers (kafkajs #1303, fix never merged). What it returns is one `RecordMetadata` per
 * topic-partition a broker acknowledged. With every message pinned to one partition for the
 * life of the send (pinned-partitioner.ts), a message is stored exactly when its partition is
 * among them with error code 0; the others were never written.
 */

/** Partitions of `topic` that Kafka acknowledged without error in this send's result. */
export function acknowledgedPartitions(
  topic: string,
  metadata: readonly RecordMetadata[] | undefined,
): Set<number> {
  const partitions = new Set<number>();
  for (const m of metadata ?? []) {
    if (m.topicName === topic && m.errorCode === 0) partitions.add(m.partition);
  }
  return partitions;
}

/**
 * Positions (in `sent`) of the messages whose partition is not in `acknowledged`, including
 * any the partitioner never placed (no partition pinned): none of them is known to be stored.
 */
export function unacknowledged(sent: readonly Message[], acknowledged: Set<number>): number[] {
  const missed: number[] = [];
  for (let i = 0; i < sent.length; i++) {
    const partition = (sent[i] as Message).partition;
    if (partition === undefined || !acknowledged.has(partition)) missed.push(i);
  }
  return missed;
}

/**
 * A resolved send left messages unwritten and they could not be sent again in time: their
 * records come back with Lambda's re-delivery (retriable).
 */
export class PartitionsNotAcknowledged extends Error {
  constructor(topic: string, partitions: readonly (number | undefined)[], messages: number) {
    super(
      `kafkajs resolved a produce request without Kafka acknowledging partition(s) ${partitions.join(', ')} of ${topic}: ${messages} message(s) not written (kafkajs #1303)`,
    );
    this.name = 'PartitionsNotAcknowledged';
  }
}
