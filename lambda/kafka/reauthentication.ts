import Connection from 'kafkajs/src/network/connection.js';
import { describeKafkaError } from './kafka-errors.js';

/**
 * KIP-368 re-authentication, fitted to the session each broker grants.
 *
 * A broker that limits sessions (MSK IAM ends one when the token or the credentials behind it
 * expire, whichever is first; `connections.max.reauth.ms` elsewhere) tells the client the
 * session's lifetime in each SaslAuthenticate response. kafkajs re-authenticates a connection
 * before a request once `time since authentication + reauthenticationThreshold >= lifetime`, with
 * one fixed threshold for every connection (10 s by default). With a session of 10 s or less that
 * is before every request, and Kafka refuses a second re-authentication on a connection within
 * one second (ILLEGAL_SASL_STATE): the container then fails every invocation until it recycles.
 * Here each connection's threshold follows its own session instead.
 */

/**
 * Never re-authenticate sooner than this after the last authentication: Kafka allows one per
 * second per connection (timed by the broker, from each handshake's arrival); the rest is margin
 * for one handshake taking longer to arrive than the next.
 */
export const MIN_REAUTHENTICATION_INTERVAL_MS = 1_200;

/** Long sessions (MSK's 15 minutes) keep kafkajs's own margin: re-authenticate 10 s before the end. */
const LONG_SESSION_MARGIN_MS = 10_000;

/** Shorter ones re-authenticate after this share of the session (a 10 s session: after 7.5 s). */
const SESSION_SHARE = 0.75;

/**
 * How long after authenticating a connection granted `sessionLifetimeMs` re-authenticates: late
 * enough that it is never more than once per {@link MIN_REAUTHENTICATION_INTERVAL_MS}, early enough
 * that a request sent just before still reaches the broker inside the session. A session shorter
 * than the minimum interval cannot be renewed in time; the broker closes such a connection at its
 * next request and kafkajs retries that request on a new one.
 */
export function reauthenticateAfterMs(sessionLifetimeMs: number): number {
  return Math.floor(
    Math.max(
      sessionLifetimeMs * SESSION_SHARE,
      sessionLifetimeMs - LONG_SESSION_MARGIN_MS,
      MIN_REAUTHENTICATION_INTERVAL_MS,
    ),
  );
}

/** kafkajs's `reauthenticationThreshold` for a session: how long before its end to re-authenticate (negative: after it). */
export function reauthenticationThresholdMs(sessionLifetimeMs: number): number {
  return sessionLifetimeMs - reauthenticateAfterMs(sessionLifetimeMs);
}

/**
 * Makes every kafkajs connection in this process derive its re-authentication threshold from the
 * session its broker granted, in place of the one fixed value kafkajs passes every connection.
 * Idempotent. Sessions without a limit (lifetime 0) are never re-authenticated, as before.
 */
export function deriveReauthenticationFromSessions(): void {
  const prototype = Connection.prototype;
  if (Object.getOwnPropertyDescriptor(prototype, 'reauthenticationThreshold')) return;
  Object.defineProperty(prototype, 'reauthenticationThreshold', {
    configurable: true,
    get(this: Connection): number {
      return reauthenticationThresholdMs(this.sessionLifetime?.toNumber() ?? 0);
    },
    // The constructor assigns the client-wide value; the session decides instead.
    set(): void {},
  });
}

/**
 * Whether a produce request failed because its connection's SASL state went bad: a
 * re-authentication out of turn (ILLEGAL_SASL_STATE) or one the broker refused (the broker then
 * closes the connection). Such a connection never heals by itself; a new one authenticates
 * afresh with a new token.
 */
export function isBadSaslState(error: Error): boolean {
  const { type } = describeKafkaError(error);
  return type === 'ILLEGAL_SASL_STATE' || type === 'SASL_AUTHENTICATION_FAILED';
}
