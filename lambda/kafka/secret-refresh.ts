/**
 * When to read the SASL secret (SCRAM, PLAIN) again after Kafka refused its credentials.
 *
 * A rotated password makes the cached credentials fail on the next connection while the
 * container stays warm, so a refusal of credentials that once worked re-reads the secret at
 * once: the next invocation connects with the new password instead of failing until Lambda
 * recycles the container. Credentials fresh from the secret that fail before ever working (a
 * wrong password, or a secret not rotated yet) are re-read only after a wait that doubles from
 * {@link FIRST_WAIT_MS} to {@link MAX_WAIT_MS}, so a wrong password costs each container a few
 * Secrets Manager calls, then one every 5 minutes, not one per invocation.
 */

/** Wait before re-reading credentials that never worked, after their first refusal. */
export const FIRST_WAIT_MS = 10_000;
/** The longest wait: a fleet of 1,000 containers with a wrong password reads ~3 secrets/s. */
export const MAX_WAIT_MS = 300_000;

export class SecretRefresh {
  private readAt: number;
  /** The credentials in hand have authenticated at least once. */
  private proven = false;
  /** Consecutive reads whose credentials were refused before they ever worked. */
  private misses = 0;
  /** Whether the credentials in hand were already counted in {@link misses}. */
  private counted = false;

  constructor(private readonly now: () => number = Date.now) {
    this.readAt = now();
  }

  /** The secret was read (at cold start or after {@link refused} allowed it). */
  read(): void {
    this.readAt = this.now();
    this.proven = false;
    this.counted = false;
  }

  /** The credentials in hand authenticated. */
  succeeded(): void {
    this.proven = true;
    this.misses = 0;
  }

  /** Kafka refused the credentials in hand: true when the secret may be read again now. */
  refused(): boolean {
    if (this.proven) return true;
    if (!this.counted) {
      this.misses++;
      this.counted = true;
    }
    const wait = Math.min(FIRST_WAIT_MS * 2 ** (this.misses - 1), MAX_WAIT_MS);
    return this.now() - this.readAt >= wait;
  }
}
