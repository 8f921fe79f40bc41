/** Patterns shared by the settings checks; the same as the function's (lambda/config.ts). */

/** One bootstrap broker, `host:port`. */
export const BROKER = /^[^\s:,]+:\d{1,5}$/;

/** A Kafka topic name, as Kafka itself accepts it. */
export const TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;
