import { randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';
import { CompressionCodecs, Kafka } from 'kafkajs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Compression } from '../../lambda/config.js';
import { type KafkaCodec, kafkajsCompression, registerCodecs } from '../../lambda/kafka/codecs.js';
import { sharedKafka } from '../harness/context.js';
import { kafkaConfig } from '../harness/kafka/clients.js';
import { javaConsume, javaProduceKeyed } from '../harness/kafka/java-tools.js';
import { patchedKafkajsFiles } from '../harness/patched-kafkajs.js';
import { createTopic, randomTopic, readAll } from '../harness/topics.js';

/**
 * Proves our codecs interoperate with Kafka's Java implementation, both ways:
 * - kafkajs + our codecs produce; the broker (which decompresses and validates every
 *   compressed batch) accepts, and Kafka's Java console consumer reads every value back
 *   byte for byte;
 * - Kafka's Java console producer compresses; kafkajs + our codecs read it back.
 * A counting wrapper around each codec shows the batches really were compressed with it.
 * kafkajs runs with the bundle's patches (its produce encoding among them), so the Java consumer
 * also checks every batch the shipped encoding writes, CRC included.
 */

const zstdAvailable = typeof (zlib as Record<string, unknown>).zstdCompress === 'function';
// zstd needs node:zlib's zstd (Node.js 22.15+): the Lambda runtime has it, and `npm run
// test:lambda-node` runs this file there; on an older Node the config refuses zstd outright.
const CODECS: Compression[] = zstdAvailable
  ? ['gzip', 'snappy', 'lz4', 'zstd']
  : ['gzip', 'snappy', 'lz4'];
/** kafkajs' codec table, indexable by a `CompressionTypes` variable. */
const codecTable = CompressionCodecs as unknown as Record<number, () => KafkaCodec>;

describe('compression codecs against a real broker and the Java clients', () => {
  const kafka = sharedKafka();
  const bootstrap = kafka.brokers.join(',');

  beforeAll(() => {
    registerCodecs();
  });

  describe.each(CODECS)('%s', (compression) => {
    it('kafkajs writes batches the broker accepts and the Java consumer reads exactly', async () => {
      const topic = randomTopic(`codecs-${compression}-js`);
      await createTopic(kafka.brokers, topic, 1);
      const values = mixedValues();
      const calls = countCalls(compression);

      const producer = new Kafka(kafkaConfig(kafka)).producer({ allowAutoTopicCreation: false });
      await producer.connect();
      try {
        await producer.send({
          topic,
          acks: -1,
          compression: kafkajsCompression(compression),
          messages: values.map((value, i) => ({ key: `key-${i}`, value })),
        });
      } finally {
        await producer.disconnect();
      }
      expect(calls.compress).toBeGreaterThan(0);
      // The batches were written by the encoding the bundle ships (test/harness/patched-kafkajs.ts).
      expect(patchedKafkajsFiles()).toContain(
        'kafkajs/src/protocol/requests/produce/v3/request.js',
      );

      const java = await javaConsume(kafka.libsDir, bootstrap, topic, values.length);
      expect(java).toHaveLength(values.length);
      java.forEach((record, i) => {
        expect(record.offset).toBe(String(i));
        expect(record.value?.equals(values[i] ?? Buffer.alloc(0))).toBe(true);
      });

      const js = await readAll(kafka.brokers, topic, values.length);
      expect(js.map((m) => m.value?.toString('hex'))).toEqual(values.map((v) => v.toString('hex')));
      expect(calls.decompress).toBeGreaterThan(0);
    });

    it('the Java producer writes batches kafkajs reads with our codecs', async () => {
      const topic = randomTopic(`codecs-${compression}-java`);
      await createTopic(kafka.brokers, topic, 1);
      // Lines of span text; the 200 KB one spans several xerial chunks and LZ4 blocks.
      const values = [...spanValues(300), spanText(200_000), 'last'];
      const keys = values.map((_, i) => `key-${i}`);
      const calls = countCalls(compression);

      await javaProduceKeyed(kafka.libsDir, bootstrap, topic, keys, { values, compression });

      const js = await readAll(kafka.brokers, topic, values.length);
      expect(js.map((m) => m.key?.toString())).toEqual(keys);
      expect(js.map((m) => m.value?.toString())).toEqual(values);
      expect(calls.decompress).toBeGreaterThan(0);
    });
  });
});

describe('lz4 block ends', () => {
  const kafka = sharedKafka();

  beforeAll(() => {
    registerCodecs();
  });

  it('are accepted by the broker wherever the last match of a full 64 KiB block falls', async () => {
    // With lz4js' block compressor alone, the broker (lz4-java's native decoder) refused the
    // batches whose first block ended in a match 10 or 11 bytes before its end.
    const topic = randomTopic('codecs-lz4-ends');
    await createTopic(kafka.brokers, topic, 1);
    const values = Array.from({ length: 24 }, (_, shift) => periodicWithGlitch(70_000, shift));
    const producer = new Kafka(kafkaConfig(kafka)).producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      for (const value of values) {
        // One batch each: the glitch moves across the end of the batch's first 64 KiB block.
        await producer.send({
          topic,
          acks: -1,
          compression: kafkajsCompression('lz4'),
          messages: [{ value }],
        });
      }
    } finally {
      await producer.disconnect();
    }
    const java = await javaConsume(kafka.libsDir, kafka.brokers.join(','), topic, values.length);
    expect(java.map((r) => r.value?.toString('hex'))).toEqual(values.map((v) => v.toString('hex')));
  });
});

/** A period-7 text with one odd byte placed `shift` bytes before the first 64 KiB ends. */
function periodicWithGlitch(size: number, shift: number): Buffer {
  const value = Buffer.alloc(size);
  for (let i = 0; i < size; i++) value[i] = 97 + (i % 7);
  value[65536 - 11 - shift] = 48;
  return value;
}

/**
 * Values for one kafkajs batch of ~900 KB (under 1 MB once compressed): small span-like
 * text, binary, one large text and one large incompressible value, so a batch crosses
 * many 32 KiB xerial chunks and 64 KiB LZ4 blocks and has raw (stored) LZ4 blocks.
 */
function mixedValues(): Buffer[] {
  const small = spanValues(1000).map((v) => Buffer.from(v));
  const binary = Array.from({ length: 20 }, () => randomBytes(1024));
  return [
    ...small,
    ...binary,
    Buffer.from(spanText(300_000)),
    randomBytes(200_000),
    Buffer.alloc(0),
  ];
}

/** ~350-byte Haystack-like spans as JSON text: service names, UUID trace ids, tags. */
function spanValues(count: number): string[] {
  const services = ['checkout', 'payments', 'inventory', 'shipping', 'frontend', 'auth'];
  return Array.from({ length: count }, (_, i) => {
    const traceId = randomBytes(16)
      .toString('hex')
      .replace(/(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
    const spanId = randomBytes(8).toString('hex');
    return JSON.stringify({
      traceId,
      spanId,
      parentSpanId: i % 3 === 0 ? '' : randomBytes(8).toString('hex'),
      serviceName: services[i % services.length],
      operationName: `GET /api/v1/orders/${i % 50}`,
      startTime: 1_700_000_000_000_000 + i * 1000,
      duration: 1000 + ((i * 7919) % 50_000),
      tags: { 'http.status_code': 200 + (i % 3), 'span.kind': 'server', error: i % 17 === 0 },
    });
  });
}

function spanText(size: number): string {
  let text = '';
  while (text.length < size) text += spanValues(100).join('');
  return text.slice(0, size);
}

/** The factories registered before any test wrapped them. */
const registered = new Map<number, () => KafkaCodec>();

/** Wraps the registered codec of `compression` to count its calls from now on. */
function countCalls(compression: Compression): { compress: number; decompress: number } {
  const type = kafkajsCompression(compression);
  const original = registered.get(type) ?? codecTable[type];
  if (!original) throw new Error(`no codec registered for ${compression}`);
  registered.set(type, original);
  const calls = { compress: 0, decompress: 0 };
  codecTable[type] = () => {
    const codec = original();
    return {
      compress: (encoder) => {
        calls.compress++;
        return codec.compress(encoder);
      },
      decompress: (buffer) => {
        calls.decompress++;
        return codec.decompress(buffer);
      },
    };
  };
  return calls;
}
