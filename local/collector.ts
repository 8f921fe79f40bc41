import type { Context, KinesisStreamEvent } from 'aws-lambda';
import type { WarmProducer } from '../lambda/kafka/producer.js';

/** One execution environment of the function: its handler and its own warm producer. */
export interface Environment {
  handler: (event: KinesisStreamEvent, context: Context) => Promise<unknown>;
  producer: WarmProducer;
}

/**
 * Loads the real handler module as Lambda's init does: the environment is set first, because
 * `lambda/handler.ts` reads and validates it when loaded. Returns a factory of execution
 * environments, one per shard, each with its own producer as separate containers would have.
 */
export async function loadCollector(env: Record<string, string>): Promise<() => Environment> {
  for (const [name, value] of Object.entries(env)) process.env[name] = value;
  // Imported only now: the logger and metrics read their settings when first loaded.
  const { createHandler } = await import('../lambda/handler.js');
  const { loadConfig } = await import('../lambda/config.js');
  const { WarmProducer } = await import('../lambda/kafka/producer.js');
  const config = loadConfig(process.env);
  return () => {
    const producer = new WarmProducer(config.kafka);
    return { handler: createHandler(config, producer), producer };
  };
}

/**
 * The function's environment for a local broker: plaintext without authentication unless
 * the caller's environment says otherwise; logs at ERROR and no EMF metrics unless asked, so
 * they do not bury the progress bar.
 */
export function collectorEnv(options: {
  brokers: string[];
  topic: string;
  deadLetterTopic: string;
  compression: string;
  logs: boolean;
}): Record<string, string> {
  const given = (name: string, fallback: string): string => process.env[name] ?? fallback;
  return {
    KAFKA_BROKERS: options.brokers.join(','),
    KAFKA_TOPIC: options.topic,
    KAFKA_DLQ_TOPIC: options.deadLetterTopic,
    KAFKA_COMPRESSION: options.compression,
    KAFKA_SSL: given('KAFKA_SSL', 'false'),
    KAFKA_SASL_MECHANISM: given('KAFKA_SASL_MECHANISM', 'none'),
    POWERTOOLS_LOG_LEVEL: options.logs ? given('POWERTOOLS_LOG_LEVEL', 'INFO') : 'ERROR',
    POWERTOOLS_METRICS_DISABLED: options.logs ? 'false' : 'true',
    KAFKAJS_NO_PARTITIONER_WARNING: '1',
  };
}
