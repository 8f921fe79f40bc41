import { describe, expect, it } from 'vitest';
import { FIRST_WAIT_MS, MAX_WAIT_MS, SecretRefresh } from '../../lambda/kafka/secret-refresh.js';

/** A refresh policy on a clock the test moves. */
function policy() {
  const clock = { now: 1_000_000 };
  const refresh = new SecretRefresh(() => clock.now);
  return { refresh, clock };
}

describe('SecretRefresh', () => {
  it('re-reads at once when credentials that had worked are refused (a rotated password)', () => {
    const { refresh, clock } = policy();
    refresh.succeeded();
    clock.now += 1;

    expect(refresh.refused()).toBe(true);
  });

  it('waits before re-reading credentials that never worked, doubling the wait up to the maximum', () => {
    const { refresh, clock } = policy();
    const readAt: number[] = [];
    const started = clock.now;
    // A wrong password: every invocation for a day is refused, one a second.
    for (let t = 0; t < 86_400; t++) {
      clock.now = started + t * 1000;
      if (refresh.refused()) {
        refresh.read();
        readAt.push(clock.now - started);
      }
    }

    expect(readAt.slice(0, 5)).toEqual([
      FIRST_WAIT_MS,
      3 * FIRST_WAIT_MS,
      7 * FIRST_WAIT_MS,
      15 * FIRST_WAIT_MS,
      31 * FIRST_WAIT_MS,
    ]);
    const gaps = readAt.slice(1).map((t, i) => t - (readAt[i] as number));
    expect(Math.max(...gaps)).toBe(MAX_WAIT_MS);
    // About one read every 5 minutes: 86,400 refusals cost fewer than 300 reads.
    expect(readAt.length).toBeLessThan(300);
  });

  it('starts the waits over once credentials work again', () => {
    const { refresh, clock } = policy();
    clock.now += FIRST_WAIT_MS;
    expect(refresh.refused()).toBe(true);
    refresh.read();
    refresh.succeeded();
    clock.now += 1;

    expect(refresh.refused()).toBe(true);
    refresh.read();
    clock.now += FIRST_WAIT_MS - 1;
    expect(refresh.refused()).toBe(false);
    clock.now += 1;
    expect(refresh.refused()).toBe(true);
  });
});
