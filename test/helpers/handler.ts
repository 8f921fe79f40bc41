import { vi } from 'vitest';
import { type Config, loadConfig } from '../../lambda/config.js';
import type { Delivery, MessageProducer } from '../../lambda/kafka/producer.js';
import type { OutgoingMessage } from '../../lambda/messages.js';

/** A valid environment that reaches no broker: for tests that hand the handler a fake producer. */
export const OFFLINE_ENV = {
  KAFKA_BROKERS: '127.0.0.1:9',
  KAFKA_SSL: 'false',
  KAFKA_SASL_MECHANISM: 'none',
} as const;

/**
 * Loads lambda/handler.ts, which reads process.env when loaded (as Lambda's init does), after
 * stubbing a valid offline environment. Its `handler` is built but connects to nothing until an
 * invocation has messages to produce.
 */
export async function handlerModule(): Promise<typeof import('../../lambda/handler.js')> {
  for (const [name, value] of Object.entries(OFFLINE_ENV)) vi.stubEnv(name, value);
  return import('../../lambda/handler.js');
}

/** The configuration of {@link OFFLINE_ENV} plus `env`. */
export function offlineConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ ...OFFLINE_ENV, ...env });
}

/** One call of a {@link recordingProducer}. */
export interface DeliverCall {
  messages: readonly OutgoingMessage[];
  deadline: number;
}

/**
 * A producer that acknowledges every message unless `fails(message, index)` says otherwise, and
 * remembers what it was given: the unit tests' stand-in for Kafka (the integration tests use a
 * real broker).
 */
export function recordingProducer(
  fails: (message: OutgoingMessage, index: number) => boolean = () => false,
) {
  const calls: DeliverCall[] = [];
  const sent: OutgoingMessage[] = [];
  const producer: MessageProducer = {
    async deliver(messages, deadline): Promise<Delivery> {
      calls.push({ messages, deadline });
      sent.push(...messages);
      const acknowledged = messages.map((m, i) => !fails(m, i));
      return {
        acknowledged,
        errors: acknowledged.every(Boolean) ? [] : [new Error('not acknowledged (test producer)')],
      };
    },
  };
  return { producer, calls, sent };
}
