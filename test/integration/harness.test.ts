import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordCommand,
} from '@aws-sdk/client-kinesis';
import {
  CompressionTypes,
  Kafka,
  type KafkaConfig,
  logLevel,
  Partitioners,
  type PartitionMetadata,
} from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedKafka } from '../harness/context.js';
import { type ClientSecurity, kafkaConfig } from '../harness/kafka/clients.js';
import { kafkaVersionFromEnv } from '../harness/kafka/jars.js';
import { javaConsume, javaProduceKeyed, javaSecurityProps } from '../harness/kafka/java-tools.js';
import { type Kinesalite, startKinesalite } from '../harness/kinesis.js';
import { useOwnBroker } from '../harness/own-broker.js';
import { createTopic, randomTopic, readAll } from '../harness/topics.js';

/** Produces `count` keyed records with a header through kafkajs. */
async function produce(config: KafkaConfig, topic: string, count: number, tag: string) {
  const producer = new Kafka(config).producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
    // Test data must be exact: a retry after a partly failed request (partitions not led yet
    // by a broker that just started) would otherwise write some records twice.
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  try {
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: count }, (_, i) => ({
        key: `${tag}-key-${i}`,
        value: `${tag}-value-${i}`,
        headers: { origin: tag },
      })),
    });
  } finally {
    await producer.disconnect();
  }
}

/** kafkajs's default partitioner, which claims to match the Java client's murmur2. */
function javaCompatiblePartition(key: string, partitions: number): number {
  const partitionMetadata: PartitionMetadata[] = Array.from({ length: partitions }, (_, i) => ({
    partitionId: i,
    leader: 1,
    replicas: [1],
    isr: [1],
    partitionErrorCode: 0,
  }));
  return Partitioners.DefaultPartitioner()({
    topic: 't',
    partitionMetadata,
    message: { key, value: null },
  });
}

describe('shared broker (global setup)', () => {
  const kafka = sharedKafka();

  it('runs the selected Kafka version with every listener', () => {
    expect(kafka.version).toBe(kafkaVersionFromEnv());
    expect(kafka.brokers).toEqual([kafka.listeners.plaintext]);
    for (const address of Object.values(kafka.listeners)) {
      expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    }
    expect(new Set(Object.values(kafka.listeners)).size).toBe(4);
    expect(kafka.listeners.iam).toBeDefined();
    expect(kafka.mskIam?.iamFile).toMatch(/iam\.properties$/);
    expect(kafka.caPem).toMatch(/ca\.pem$/);
    expect(kafka.sasl?.scram?.username).toBeTruthy();
  });

  it('creates topics with the requested partitions, and refuses duplicates', async () => {
    const topic = randomTopic('harness-create');
    await createTopic(kafka.brokers, topic, 4);
    const admin = new Kafka(kafkaConfig(kafka)).admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      expect(topics[0]?.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2, 3]);
    } finally {
      await admin.disconnect();
    }
    await expect(createTopic(kafka.brokers, topic, 4)).rejects.toThrow(/already exists/);
  });

  it.each<ClientSecurity>([
    'plaintext',
    'ssl',
    'sasl-scram-sha-512',
    'sasl-scram-sha-256',
    'sasl-plain',
  ])('round-trips records with kafkajs over %s', async (security) => {
    const topic = randomTopic(`harness-${security}`);
    const config = kafkaConfig(kafka, security);
    const brokers = config.brokers as string[];
    await createTopic(brokers, topic, 3, { kafka: config });
    await produce(config, topic, 12, security);

    const got = await readAll(brokers, topic, 12, 30_000, { kafka: config });

    expect(got).toHaveLength(12);
    expect(got.map((m) => m.value?.toString()).sort()).toEqual(
      Array.from({ length: 12 }, (_, i) => `${security}-value-${i}`).sort(),
    );
    for (const m of got) {
      expect(m.headers.origin?.toString()).toBe(security);
      const key = m.key?.toString() ?? '';
      expect(m.partition).toBe(javaCompatiblePartition(key, 3));
    }
  });

  it('rejects a wrong SCRAM password (authentication is really enforced)', async () => {
    const config = kafkaConfig(kafka, 'sasl-scram-sha-512');
    const sasl = { mechanism: 'scram-sha-512' as const, username: 'nobody', password: 'wrong' };
    const admin = new Kafka({ ...config, sasl, retry: { retries: 0 } }).admin();
    await expect(admin.connect()).rejects.toThrow(/SASL SCRAM SHA512 authentication failed/);
    await admin.disconnect();
  });

  it('rejects TLS clients that do not trust the harness CA', async () => {
    const config = kafkaConfig(kafka, 'ssl');
    const admin = new Kafka({ ...config, ssl: true, retry: { retries: 0 } }).admin();
    await expect(admin.connect()).rejects.toThrow(/certificate/i);
    await admin.disconnect();
  });

  it('Java console producer partitions like murmur2, and the Java consumer reads it back', async () => {
    const topic = randomTopic('harness-java');
    await createTopic(kafka.brokers, topic, 6);
    const keys = Array.from({ length: 30 }, (_, i) => `trace-${i}-${(i * 7919).toString(16)}`);
    await javaProduceKeyed(kafka.libsDir, kafka.brokers.join(','), topic, keys);

    const viaKafkajs = await readAll(kafka.brokers, topic, keys.length);
    expect(viaKafkajs).toHaveLength(keys.length);
    for (const m of viaKafkajs) {
      expect(m.partition).toBe(javaCompatiblePartition(m.key?.toString() ?? '', 6));
    }
    // Several partitions must be hit, or the check above proves little.
    expect(new Set(viaKafkajs.map((m) => m.partition)).size).toBeGreaterThan(3);

    const viaJava = await javaConsume(kafka.libsDir, kafka.brokers.join(','), topic, keys.length);
    expect(viaJava.map((r) => r.key).sort()).toEqual([...keys].sort());
    for (const r of viaJava) {
      const i = keys.indexOf(r.key ?? '');
      expect(r.value?.toString()).toBe(`value-${i}`);
      expect(r.partition).toBe(javaCompatiblePartition(r.key ?? '', 6));
    }
  });

  it('Java consumer reads binary, compressed kafkajs batches byte for byte over SASL_SSL', async () => {
    const topic = randomTopic('harness-java-bin');
    await createTopic(kafka.brokers, topic, 2);
    const values = [Buffer.from([0, 1, 2, 10, 13, 9, 255]), Buffer.alloc(0), Buffer.alloc(3000, 7)];
    const producer = new Kafka(kafkaConfig(kafka)).producer({
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    await producer.send({
      topic,
      compression: CompressionTypes.GZIP,
      messages: values.map((value, i) => ({ key: `bin-${i}`, value })),
    });
    await producer.disconnect();

    const { bootstrap, props } = javaSecurityProps(kafka, 'sasl-scram-sha-512');
    const got = await javaConsume(kafka.libsDir, bootstrap, topic, values.length, 60_000, {
      props,
    });
    expect(got).toHaveLength(values.length);
    for (const r of got) {
      const i = Number(r.key?.replace('bin-', ''));
      expect(r.value?.equals(values[i] ?? Buffer.from('missing'))).toBe(true);
    }
  });
});

describe('kinesalite', () => {
  let kinesis: Kinesalite;
  beforeAll(async () => {
    kinesis = await startKinesalite();
  });
  afterAll(async () => {
    await kinesis?.stop();
  });

  it('creates an ACTIVE stream and round-trips a record', async () => {
    const stream = randomTopic('stream');
    await kinesis.createStream(stream, 2);
    const data = Buffer.from([0x0a, 0x03, 0x61, 0x62, 0x63, 0x00, 0xff]);
    const put = await kinesis.client.send(
      new PutRecordCommand({ StreamName: stream, PartitionKey: 'trace-1', Data: data }),
    );
    expect(put.SequenceNumber).toMatch(/^\d+$/);

    const { Shards = [] } = await kinesis.client.send(
      new ListShardsCommand({ StreamName: stream }),
    );
    expect(Shards).toHaveLength(2);
    const { ShardIterator } = await kinesis.client.send(
      new GetShardIteratorCommand({
        StreamName: stream,
        ShardId: put.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const { Records = [] } = await kinesis.client.send(new GetRecordsCommand({ ShardIterator }));
    expect(Records).toHaveLength(1);
    expect(Buffer.from(Records[0]?.Data ?? []).equals(data)).toBe(true);
    expect(Records[0]?.PartitionKey).toBe('trace-1');
  });
});

describe('own broker (fault injection)', () => {
  const own = useOwnBroker();

  /** A client that fails fast instead of retrying through the fault. */
  const impatient = (): KafkaConfig => ({
    brokers: own().brokers,
    clientId: 'harness-fault',
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 1_500,
    retry: { retries: 0 },
  });

  it('is a separate broker from the shared one', () => {
    expect(own().brokers).not.toEqual(sharedKafka().brokers);
    expect(own().pid).toBeGreaterThan(0);
  });

  it('stops answering while paused and recovers on resume', async () => {
    const topic = randomTopic('harness-pause');
    await own().createTopic(topic, 1);
    await produce(kafkaConfig(own().info()), topic, 1, 'before');

    own().pause();
    try {
      const admin = new Kafka(impatient()).admin();
      await expect(
        admin.connect().then(() => admin.fetchTopicMetadata({ topics: [topic] })),
      ).rejects.toThrow();
      await admin.disconnect().catch(() => undefined);
    } finally {
      own().resume();
    }

    await produce(kafkaConfig(own().info()), topic, 1, 'after');
    const got = await readAll(own().brokers, topic, 2);
    expect(got.map((m) => m.value?.toString())).toEqual(['before-value-0', 'after-value-0']);
  });

  it('keeps its data and ports across restart() and kill() + restart()', async () => {
    const topic = randomTopic('harness-restart');
    await own().createTopic(topic, 2);
    await produce(kafkaConfig(own().info()), topic, 4, 'one');
    const brokers = [...own().brokers];
    const firstPid = own().pid;

    await own().restart();
    expect(own().brokers).toEqual(brokers);
    expect(own().pid).not.toBe(firstPid);
    await produce(kafkaConfig(own().info()), topic, 4, 'two');

    await own().kill();
    expect(own().pid).toBeUndefined();
    const admin = new Kafka(impatient()).admin();
    await expect(admin.connect()).rejects.toThrow();
    await own().restart();
    await produce(kafkaConfig(own().info()), topic, 4, 'three');

    const got = await readAll(own().brokers, topic, 12);
    expect(got).toHaveLength(12);
    expect(got.filter((m) => m.value?.toString().startsWith('one-'))).toHaveLength(4);
    expect(got.filter((m) => m.value?.toString().startsWith('three-'))).toHaveLength(4);
  });
});
