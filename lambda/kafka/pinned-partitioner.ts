import type { Message, PartitionerArgs } from 'kafkajs';
import { javaPartition } from './partitioner.js';

/**
 * The kafkajs partitioner: Java's choice for keyed messages (partitioner.ts), round robin for
 * the rest, and each message's choice pinned on the message object (`message.partition`) the
 * first time it is made.
 *
 * kafkajs calls the partitioner again on every retry within one send, with the metadata of that
 * moment. Unpinned, a message could move between attempts (after partitions were added, or,
 * unkeyed, with the round robin's next turn) to a partition whose leader had already answered
 * an earlier attempt, where kafkajs's retry never sends it (kafkajs #1303), while that
 * partition's acknowledgement still appears in the result. Pinned, a message stays on one
 * partition for the life of the send, as Java's producer fixes a record's partition at
 * `send()`, so "Kafka acknowledged this message's partition in this send" means "Kafka stored
 * this message" (see acknowledgements.ts). A message sent again in a later send is a new
 * object and is partitioned afresh with the metadata of then.
 */
export function pinnedJavaPartitioner() {
  let unkeyed = 0;
  return ({ partitionMetadata, message }: PartitionerArgs): number => {
    if (message.partition !== undefined) return message.partition;
    const partitions = partitionMetadata.length;
    const { key } = message;
    const partition =
      key === null || key === undefined
        ? unkeyed++ % partitions
        : javaPartition(typeof key === 'string' ? Buffer.from(key) : key, partitions);
    (message as Message).partition = partition;
    return partition;
  };
}
