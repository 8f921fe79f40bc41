import { vi } from 'vitest';
import { ClusterProducers } from '../../lambda/clusters.js';
import { type Config, loadConfig } from '../../lambda/config.js';
import type { KinesisHandler } from '../../lambda/handler.js';
import { WarmProducer } from '../../lambda/producer.js';

/** A handler as Lambda would build it from `env`, with its producer exposed for inspection. */
export interface Collector {
  config: Config;
  producer: WarmProducer;
  handler: KinesisHandler;
  close(): Promise<void>;
}

/**
 * Builds the real handler and warm producer for a local plaintext broker. `lambda/handler.ts`
 * reads process.env when loaded, as Lambda's init does, so a valid environment is stubbed first.
 * Dead letters are off unless `env` names a `KAFKA_DLQ_TOPIC` (which the test must create).
 */
export async function collector(
  brokers: string[],
  env: Record<string, string> = {},
): Promise<Collector> {
  const fullEnv = {
    KAFKA_BROKERS: brokers.join(','),
    KAFKA_SSL: 'false',
    KAFKA_SASL_MECHANISM: 'none',
    KAFKA_DLQ_TOPIC: 'none',
    ...env,
  };
  for (const [name, value] of Object.entries(fullEnv)) vi.stubEnv(name, value);
  const { createHandler } = await import('../../lambda/handler.js');
  const config = loadConfig(fullEnv);
  const producer = new WarmProducer(config.kafka);
  // Routes to other clusters get producers of their own, as the deployed handler wires them.
  const producers = ClusterProducers.fromConfig(config, producer);
  return {
    config,
    producer,
    handler: createHandler(config, producers),
    close: () => producers.close(),
  };
}
