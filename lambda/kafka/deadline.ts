/**
 * Every wait on Kafka is bounded by the invocation's deadline, so the handler answers before
 * Lambda's timeout: an answer naming the unacknowledged records beats a timeout, which fails the
 * whole batch and throws away what was acknowledged.
 */

/** The deadline passed before Kafka answered: the request may still land, so it counts as not acknowledged. */
export class DeadlineExceeded extends Error {
  constructor(what: string) {
    super(`${what} did not finish before the invocation's deadline`);
    this.name = 'DeadlineExceeded';
  }
}

/** Waits for `work` until `deadline` (epoch ms); past it, rejects with {@link DeadlineExceeded}. */
export async function withDeadline<T>(
  work: Promise<T>,
  deadline: number,
  what: string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DeadlineExceeded(what)),
      Math.max(0, deadline - Date.now()),
    );
  });
  work.catch(() => {
    // The caller sees the error through the race below, or has moved on after the deadline.
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
