import { inject } from 'vitest';
import type { KafkaConnectionInfo } from './kafka/clients.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The broker shared by all integration test files (see global-setup.ts). */
    kafka: KafkaConnectionInfo;
  }
}

/**
 * Connection details of the broker started once by the global setup, shared by every
 * integration test file. Use a fresh topic per test (`randomTopic`), and never stop,
 * pause or reconfigure this broker: fault tests take their own with `useOwnBroker()`.
 */
export function sharedKafka(): KafkaConnectionInfo {
  return inject('kafka');
}
