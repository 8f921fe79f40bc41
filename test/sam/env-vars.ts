import { writeFileSync } from 'node:fs';
import { FUNCTION_ID } from '../harness/sam/cli.js';

/**
 * Writes a SAM env-vars file for the collector: the harness broker's PLAINTEXT listener on
 * loopback (no TLS, no SASL), its span and dead-letter topics, info logs; `extra` overrides.
 * SAM applies an entry only to a variable the template declares.
 */
export function writeCollectorEnv(
  file: string,
  brokers: readonly string[],
  topics: { topic: string; dlq: string },
  extra: Record<string, string> = {},
): string {
  const variables = {
    KAFKA_BROKERS: brokers.join(','),
    KAFKA_TOPIC: topics.topic,
    KAFKA_DLQ_TOPIC: topics.dlq,
    KAFKA_SSL: 'false',
    KAFKA_SASL_MECHANISM: 'none',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    ...extra,
  };
  writeFileSync(file, JSON.stringify({ [FUNCTION_ID]: variables }));
  return file;
}
