import { Kafka, logLevel } from 'kafkajs';
import { startKafka } from '../../test/harness/kafka/broker.js';
import { createTopic } from '../../test/harness/topics.js';

/** The broker a local run uses. */
export interface LocalKafka {
  brokers: string[];
  /** Kafka release when started here; `external` otherwise. */
  version: string;
  /** True when `KAFKA_BROKERS` pointed at a running broker (left running at the end). */
  external: boolean;
  stop(): Promise<void>;
}

/**
 * The broker named by `KAFKA_BROKERS`, or else a single-node Kafka started from the test
 * harness's Maven Central jars on loopback ports, data in a temp dir removed by `stop()`.
 */
export async function useKafka(brokersFromEnv: string | undefined): Promise<LocalKafka> {
  const named =
    brokersFromEnv
      ?.split(',')
      .map((b) => b.trim())
      .filter(Boolean) ?? [];
  if (named.length > 0) {
    return { brokers: named, version: 'external', external: true, stop: async () => undefined };
  }
  const broker = await startKafka();
  return {
    brokers: broker.brokers,
    version: broker.version,
    external: false,
    stop: () => broker.stop(),
  };
}

/** Creates the topic unless it exists (an existing broker keeps its topics and their data). */
export async function ensureTopic(
  brokers: string[],
  name: string,
  partitions: number,
): Promise<number> {
  const admin = new Kafka({ clientId: 'local-setup', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(name)) {
      await createTopic(brokers, name, partitions);
    }
    const { topics } = await admin.fetchTopicMetadata({ topics: [name] });
    return topics[0]?.partitions.length ?? partitions;
  } finally {
    await admin.disconnect();
  }
}
