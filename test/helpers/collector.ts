import { type Config, loadConfig } from '../../lambda/config.js';
import type { KinesisHandler } from '../../lambda/handler.js';
import { ClusterProducers } from '../../lambda/kafka/clusters.js';
import type { SecretReader } from '../../lambda/kafka/connection.js';
import { type Delivery, type MessageProducer, WarmProducer } from '../../lambda/kafka/producer.js';
import type { OutgoingMessage } from '../../lambda/messages.js';
import { handlerModule, offlineConfig } from './handler.js';

/** A handler as Lambda would build it from `env`, with its producer exposed for inspection. */
export interface Collector {
  config: Config;
  producer: WarmProducer;
  handler: KinesisHandler;
  /** Why deliveries were not fully acknowledged, in order (what the handler logs). */
  errors: Error[];
  close(): Promise<void>;
}

/**
 * Builds the real handler and warm producers for a local plaintext broker, as the deployed
 * handler wires them.
 * Dead letters are off unless `env` names a `KAFKA_DLQ_TOPIC` (which the test must create).
 * `readSecret` replaces the Secrets Manager read (e.g. to count the reads); `onDelivery` sees
 * each invocation's messages and what Kafka acknowledged of them, before the handler answers.
 * With `defaults`, the configuration is the brokers and `env` alone, every other setting its
 * default (TLS, MSK IAM), as a deployed function's is.
 */
export async function collector(
  brokers: string[],
  env: Record<string, string> = {},
  options: {
    readSecret?: SecretReader;
    onDelivery?: (messages: readonly OutgoingMessage[], delivery: Delivery) => void;
    defaults?: boolean;
  } = {},
): Promise<Collector> {
  const { createHandler } = await handlerModule();
  const config = options.defaults
    ? loadConfig({ KAFKA_BROKERS: brokers.join(','), ...env })
    : offlineConfig({ KAFKA_BROKERS: brokers.join(','), KAFKA_DLQ_TOPIC: 'none', ...env });
  const producer = new WarmProducer(config.kafka, options.readSecret);
  // Routes to other clusters get producers of their own, as the deployed handler wires them.
  const producers = ClusterProducers.fromConfig(config, producer);
  const errors: Error[] = [];
  const recording: MessageProducer = {
    deliver: async (messages, deadline) => {
      const delivery = await producers.deliver(messages, deadline);
      errors.push(...delivery.errors);
      options.onDelivery?.(messages, delivery);
      return delivery;
    },
  };
  return {
    config,
    producer,
    handler: createHandler(config, recording),
    errors,
    close: () => producers.close(),
  };
}
