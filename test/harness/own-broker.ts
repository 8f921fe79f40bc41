import { afterAll, beforeAll, inject } from 'vitest';
import { type KafkaBroker, type StartKafkaOptions, startKafka } from './kafka/broker.js';

/**
 * Gives the calling test file a broker of its own, started in `beforeAll` and stopped in
 * `afterAll`, for fault tests (kill, pause, restart) that must not disturb the shared
 * broker, which belongs to the global setup's process and cannot be controlled from a
 * test. Same Kafka release as the shared broker unless `options.version` says otherwise.
 *
 * Returns a getter, because the broker exists only once `beforeAll` ran:
 * `const kafka = useOwnBroker(); it('…', async () => { kafka().pause(); … })`.
 */
export function useOwnBroker(options: StartKafkaOptions = {}): () => KafkaBroker {
  let broker: KafkaBroker | undefined;
  beforeAll(async () => {
    broker = await startKafka({ version: sharedVersion(), ...options });
  });
  afterAll(async () => {
    await broker?.stop();
  });
  return () => {
    if (!broker) throw new Error('useOwnBroker(): use the broker inside tests or hooks');
    return broker;
  };
}

function sharedVersion(): string | undefined {
  try {
    return inject('kafka')?.version;
  } catch {
    // Outside the integration project (no global setup): startKafka reads KAFKA_VERSION.
    return undefined;
  }
}
