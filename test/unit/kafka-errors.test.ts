import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { PartitionsNotAcknowledged } from '../../lambda/kafka/acknowledgements.js';
import { describeKafkaError, isAuthenticationFailure } from '../../lambda/kafka/kafka-errors.js';

// kafkajs's own error classes, as its runtime builds them (its type declarations lag behind).
type ErrorClass = new (...args: unknown[]) => Error;
const {
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSSASLAuthenticationError,
} = createRequire(__filename)('kafkajs/src/errors') as Record<
  | 'KafkaJSNonRetriableError'
  | 'KafkaJSNumberOfRetriesExceeded'
  | 'KafkaJSProtocolError'
  | 'KafkaJSSASLAuthenticationError',
  ErrorClass
>;

describe('isAuthenticationFailure', () => {
  const sasl = new KafkaJSSASLAuthenticationError(
    'SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512',
  );

  it.each([
    ['the SASL error itself', sasl],
    // What kafkajs's retry loop rejects with when the first connect is refused.
    ['a KafkaJSNonRetriableError wrapping it', new KafkaJSNonRetriableError(sasl, { cause: sasl })],
    [
      'retries exceeded, caused by it',
      new KafkaJSNumberOfRetriesExceeded(sasl, { retryCount: 5, retryTime: 100, cause: sasl }),
    ],
  ])('recognises %s', (_, error) => {
    expect(isAuthenticationFailure(error)).toBe(true);
  });

  it.each([
    ['a connection error', new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9096')],
    [
      'a protocol error',
      new KafkaJSProtocolError({
        message: 'Not leader',
        type: 'NOT_LEADER_FOR_PARTITION',
        code: 6,
      } as unknown as Error),
    ],
    ['not an error', 'SASL authentication failed'],
  ])('does not mistake %s for one', (_, error) => {
    expect(isAuthenticationFailure(error)).toBe(false);
  });
});

describe('describeKafkaError', () => {
  it('says that kafkajs skipped a partition and that the records come back', () => {
    const failure = describeKafkaError(new PartitionsNotAcknowledged('proto-spans', [2, 5], 40));

    expect(failure.message).toContain('kafkajs #1303');
    expect(failure.type).toBeUndefined();
    expect(failure.hint).toMatch(/records come back/);
  });
});
