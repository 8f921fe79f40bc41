import { describe, expect, it } from 'vitest';
import { javaPartition, murmur2 } from '../../lambda/kafka/partitioner.js';

// Expected values printed by Kafka 3.9.2's own org.apache.kafka.common.utils.Utils.murmur2 and
// toPositive(h) % n on this machine (the first six are also Kafka's UtilsTest vectors).
const JAVA = [
  { key: '21', hash: -973932308, p12: 0, p7: 3 },
  { key: 'foobar', hash: -790332482, p12: 6, p7: 0 },
  { key: 'a-little-bit-long-string', hash: -985981536, p12: 8, p7: 1 },
  { key: 'a-little-bit-longer-string', hash: -1486304829, p12: 11, p7: 0 },
  { key: 'lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', hash: -58897971, p12: 5, p7: 3 },
  { key: 'abc', hash: 479470107, p12: 3, p7: 4 },
  { key: '', hash: 275646681, p12: 9, p7: 2 },
  { key: '4bf92f35-77b3-4da6-a3ce-929d0e0e4736', hash: 2116226797, p12: 1, p7: 6 },
  { key: 'trace-ünïcødé-😀', hash: 1484852921, p12: 5, p7: 6 },
  { key: 'x', hash: 2121525046, p12: 10, p7: 4 },
  { key: 'xy', hash: -1884506471, p12: 9, p7: 1 },
  { key: 'xyz', hash: -2021271510, p12: 2, p7: 3 },
];

describe('murmur2', () => {
  it.each(JAVA)('hashes "$key" as Kafka Utils.murmur2 does', ({ key, hash }) => {
    expect(murmur2(Buffer.from(key, 'utf8'))).toBe(hash);
  });
});

describe('javaPartition', () => {
  it.each(JAVA)('puts "$key" where the Java client would', ({ key, p12, p7 }) => {
    const bytes = Buffer.from(key, 'utf8');

    expect(javaPartition(bytes, 12)).toBe(p12);
    expect(javaPartition(bytes, 7)).toBe(p7);
  });

  it('always answers a partition in range, for negative hashes too', () => {
    for (let i = 0; i < 2000; i++) {
      const partition = javaPartition(Buffer.from(`trace-${i}`), 5);
      expect(partition).toBeGreaterThanOrEqual(0);
      expect(partition).toBeLessThan(5);
    }
  });
});
