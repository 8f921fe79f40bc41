import { Kafka, logLevel, type Message, type Producer } from 'kafkajs';
import type { Compression } from '../../lambda/config.js';
import { kafkajsCompression, registerCodecs } from '../../lambda/kafka/codecs.js';
import { createTopic, randomTopic } from '../../test/harness/topics.js';

/** Partitions of every benchmark topic: enough that one request spreads like production's. */
export const BENCH_PARTITIONS = 6;

/** A fresh topic for one benchmark, so no run reads or fills another's. */
export async function benchTopic(
  brokers: string[],
  prefix: string,
  replicationFactor = 1,
): Promise<string> {
  const topic = randomTopic(prefix);
  await createTopic(brokers, topic, BENCH_PARTITIONS, { replicationFactor });
  return topic;
}

/** A kafkajs to produce with: the bundle's (patched) or the one published on npm. */
export interface KafkajsBuild {
  Kafka: typeof Kafka;
  registerCodecs(): void;
}

/** kafkajs 2.2.4 as published (node_modules), without the bundle's patches. */
export const PUBLISHED_KAFKAJS: KafkajsBuild = { Kafka, registerCodecs };

/**
 * The floor: one warm kafkajs producer sending pre-built messages in a single `sendBatch`, with
 * the handler's acks and compression and the handler's own partitioning function (the same
 * partitions at the same cost). Nothing but kafkajs and the broker is left in it. `kafkajs` is
 * the bundle's (`lambda`), patched as the handler's is, for the floor; the published one for
 * reference.
 */
export async function floorProducer(
  brokers: string[],
  compression: Compression,
  partition: (key: Buffer, partitions: number) => number,
  kafkajs: KafkajsBuild,
): Promise<{ send(topic: string, messages: Message[]): Promise<unknown>; close(): Promise<void> }> {
  kafkajs.registerCodecs();
  const producer: Producer = new kafkajs.Kafka({
    clientId: 'bench-floor',
    brokers,
    logLevel: logLevel.NOTHING,
  }).producer({
    createPartitioner:
      () =>
      ({ partitionMetadata, message }) =>
        partition(message.key as Buffer, partitionMetadata.length),
    allowAutoTopicCreation: false,
    idempotent: false,
  });
  await producer.connect();
  return {
    send: (topic, messages) =>
      producer.sendBatch({
        topicMessages: [{ topic, messages }],
        acks: -1,
        compression: kafkajsCompression(compression),
      }),
    close: () => producer.disconnect(),
  };
}
