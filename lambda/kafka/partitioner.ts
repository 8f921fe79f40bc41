/**
 * The partition a Java Kafka producer picks for a keyed record.
 *
 * Haystack's consumers (trace indexer, reader, pipes) are Java/Scala and the agent's producers
 * use the Java client, so every span of a trace must land where a Java producer would put it:
 * `toPositive(murmur2(keyBytes)) % numPartitions`, as in Kafka's `BuiltInPartitioner`
 * (`Utils.murmur2`, `Utils.toPositive`). The partition count is the topic's total, not only the
 * available partitions, as Java does for keyed records.
 */
export function javaPartition(key: Uint8Array, numPartitions: number): number {
  return (murmur2(key) & 0x7fffffff) % numPartitions;
}

/** Kafka's `Utils.murmur2` (seed 0x9747b28c) as a signed 32-bit integer. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  const m = 0x5bd1e995;
  let h = 0x9747b28c ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k =
      (data[i] as number) |
      ((data[i + 1] as number) << 8) |
      ((data[i + 2] as number) << 16) |
      ((data[i + 3] as number) << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  // The last 1-3 bytes, as Java's fall-through switch mixes them.
  const tail = length & 3;
  if (tail === 3) h ^= (data[whole + 2] as number) << 16;
  if (tail >= 2) h ^= (data[whole + 1] as number) << 8;
  if (tail >= 1) {
    h ^= data[whole] as number;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}
