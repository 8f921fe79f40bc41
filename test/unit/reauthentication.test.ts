import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  deriveReauthenticationFromSessions,
  isBadSaslState,
  MIN_REAUTHENTICATION_INTERVAL_MS,
  reauthenticateAfterMs,
  reauthenticationThresholdMs,
} from '../../lambda/kafka/reauthentication.js';

const require = createRequire(__filename);

/** kafkajs's own connection class and 64-bit integers, as its clients use them (no socket opened). */
interface KafkajsConnection {
  authenticatedAt: [number, number] | null;
  sessionLifetime: unknown;
  isAuthenticated(): boolean;
}
const Connection = require('kafkajs/src/network/connection.js') as new (
  options: Record<string, unknown>,
) => KafkajsConnection;
const Long = require('kafkajs/src/utils/long.js') as { fromValue(value: number): unknown };
const { createLogger, LEVELS } = require('kafkajs/src/loggers/index.js') as {
  createLogger(options: { level: number; logCreator: () => () => void }): unknown;
  LEVELS: { NOTHING: number };
};

/** A kafkajs connection that authenticated `msAgo` ms ago and was granted `sessionMs`. */
function connectionAuthenticated(msAgo: number, sessionMs: number): KafkajsConnection {
  const connection = new Connection({
    host: '127.0.0.1',
    port: 9,
    logger: createLogger({ level: LEVELS.NOTHING, logCreator: () => () => undefined }),
    // What kafkajs passes every connection of a client by default.
    reauthenticationThreshold: 10_000,
  });
  const [seconds, nanos] = process.hrtime();
  const total = seconds * 1e9 + nanos - msAgo * 1e6;
  connection.authenticatedAt = [Math.floor(total / 1e9), total % 1e9];
  connection.sessionLifetime = Long.fromValue(sessionMs);
  return connection;
}

describe('when a connection re-authenticates, from the session its broker granted', () => {
  it.each([
    // MSK's 15-minute token: kafkajs's own 10 s margin.
    [900_000, 890_000],
    [30_000, 22_500],
    [10_000, 7_500],
    [5_000, 3_750],
    [2_000, 1_500],
    // Shorter than a renewal can keep: never sooner than the minimum interval.
    [1_500, 1_200],
    [800, 1_200],
  ])('a %i ms session re-authenticates after %i ms', (sessionMs, afterMs) => {
    expect(reauthenticateAfterMs(sessionMs)).toBe(afterMs);
    expect(reauthenticationThresholdMs(sessionMs)).toBe(sessionMs - afterMs);
  });

  it('never twice within the minimum interval, and always before the session ends when it can be', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 * 3_600_000 }), (sessionMs) => {
        const after = reauthenticateAfterMs(sessionMs);
        expect(after).toBeGreaterThanOrEqual(MIN_REAUTHENTICATION_INTERVAL_MS);
        expect(Number.isInteger(reauthenticationThresholdMs(sessionMs))).toBe(true);
        if (sessionMs >= 1_600) expect(after).toBeLessThan(sessionMs);
      }),
    );
  });
});

describe('deriveReauthenticationFromSessions, on kafkajs 2.2.4 connections', () => {
  deriveReauthenticationFromSessions();
  deriveReauthenticationFromSessions();

  it('keeps a 2 s session until 1.5 s after authenticating, where kafkajs’s 10 s threshold re-authenticates before every request', () => {
    expect(connectionAuthenticated(100, 2_000).isAuthenticated()).toBe(true);
    expect(connectionAuthenticated(1_400, 2_000).isAuthenticated()).toBe(true);
    expect(connectionAuthenticated(1_600, 2_000).isAuthenticated()).toBe(false);
  });

  it('keeps MSK’s 15-minute session until 10 s before its end', () => {
    expect(connectionAuthenticated(885_000, 900_000).isAuthenticated()).toBe(true);
    expect(connectionAuthenticated(891_000, 900_000).isAuthenticated()).toBe(false);
  });

  it('never re-authenticates a session without a limit', () => {
    expect(connectionAuthenticated(86_400_000, 0).isAuthenticated()).toBe(true);
  });
});

describe('isBadSaslState', () => {
  const withCause = (message: string, cause: object) =>
    Object.assign(new Error(message), { cause });

  it.each([
    [
      'ILLEGAL_SASL_STATE, wrapped by kafkajs’s retrier',
      withCause('Request is not valid given the current SASL state', {
        type: 'ILLEGAL_SASL_STATE',
      }),
    ],
    [
      'a refused re-authentication',
      withCause('SASL OAUTHBEARER authentication failed: [id]: Access denied', {
        type: 'SASL_AUTHENTICATION_FAILED',
      }),
    ],
    [
      'ILLEGAL_SASL_STATE by its message only',
      new Error('Request is not valid given the current SASL state'),
    ],
  ])('is true for %s', (_, error) => {
    expect(isBadSaslState(error)).toBe(true);
  });

  it.each([
    ['a closed connection', new Error('Closed connection')],
    [
      'a missing topic',
      withCause('This server does not host this topic-partition', {
        type: 'UNKNOWN_TOPIC_OR_PARTITION',
      }),
    ],
    [
      'a signer without credentials',
      new Error('MSK IAM: cannot sign a token for us-east-1: Could not load credentials'),
    ],
  ])('is false for %s', (_, error) => {
    expect(isBadSaslState(error)).toBe(false);
  });
});
