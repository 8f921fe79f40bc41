import { randomBytes } from 'node:crypto';
import { type IHeaders, Kafka, type KafkaConfig, logLevel } from 'kafkajs';

/** A topic name unique to this run, so tests sharing one broker never see each other's data. */
export function randomTopic(prefix = 'test'): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** Options of {@link createTopic}. */
export interface CreateTopicOptions {
  /** Defaults to 1, the only value a single broker accepts. */
  replicationFactor?: number;
  /** Topic-level configs, e.g. `{ 'max.message.bytes': '2000000' }`. */
  configs?: Record<string, string>;
  /**
   * Connection settings other than `brokers` (SSL, SASL…). `brokers` must then be the
   * bootstrap of the matching listener, e.g. `listeners.saslSsl`, not the PLAINTEXT one.
   */
  kafka?: Omit<KafkaConfig, 'brokers'>;
  /** Overall deadline; defaults to 30 s. */
  timeoutMs?: number;
  /**
   * Replicas of each partition, preferred leader first (`replicas[p]` for partition p), in place
   * of `partitions` and `replicationFactor`: a test that needs to know which broker leads what.
   */
  replicas?: number[][];
}

/**
 * Creates a topic and returns once every partition has a leader and the topic is visible
 * in the metadata of every broker in `brokers`, so a producer started right after never gets
 * UNKNOWN_TOPIC_OR_PARTITION. Throws if the topic already exists: a clash means a test reused
 * a name by mistake.
 *
 * kafkajs's own `waitForLeaders` is not used: it gives up on the first broker that does not
 * know the topic yet, which a broker of a cluster that restarted moments ago may well be.
 */
export async function createTopic(
  brokers: string[],
  name: string,
  partitions = 1,
  options: CreateTopicOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  const { replicas } = options;
  const count = replicas ? replicas.length : partitions;
  const admin = client(brokers, options.kafka).admin();
  await admin.connect();
  try {
    const created = await admin.createTopics({
      waitForLeaders: false,
      timeout: timeoutMs,
      topics: [
        {
          topic: name,
          // Kafka takes either a count and a factor or an assignment, never both.
          ...(replicas
            ? { replicaAssignment: replicas.map((r, partition) => ({ partition, replicas: r })) }
            : { numPartitions: partitions, replicationFactor: options.replicationFactor ?? 1 }),
          configEntries: Object.entries(options.configs ?? {}).map(([n, value]) => ({
            name: n,
            value,
          })),
        },
      ],
    });
    if (!created) throw new Error(`Topic ${name} already exists`);
    for (;;) {
      // Every broker's metadata names the leaders, and the leaders answer for the partitions
      // (ListOffsets): metadata names a leader before that broker serves the partition, and a
      // first request finding NOT_LEADER would be retried whole, writing some records twice.
      const answers = await Promise.all(
        brokers.map((broker) => hasLeaders([broker], name, count, options.kafka)),
      );
      const ready =
        answers.every(Boolean) &&
        (await admin.fetchTopicOffsets(name).then(
          () => true,
          () => false,
        ));
      if (ready) return;
      if (Date.now() > deadline) {
        throw new Error(`Topic ${name} has no leader for all ${count} partitions in time`);
      }
      await sleep(100);
    }
  } finally {
    await admin.disconnect();
  }
}

/** Whether the metadata of (one of) `brokers` shows every partition of the topic with a leader. */
async function hasLeaders(
  brokers: string[],
  name: string,
  partitions: number,
  config: Omit<KafkaConfig, 'brokers'> | undefined,
): Promise<boolean> {
  const admin = client(brokers, { retry: { retries: 0 }, ...config }).admin();
  try {
    await admin.connect();
    const { topics } = await admin.fetchTopicMetadata({ topics: [name] });
    const found = topics.find((t) => t.name === name)?.partitions ?? [];
    return found.length === partitions && found.every((p) => p.leader >= 0);
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** One record as read back by {@link readAll}. */
export interface ReadMessage {
  partition: number;
  /** Kafka offsets are int64; kafkajs gives them as decimal strings. */
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
  timestamp: string;
}

/** Options of {@link readAll}. */
export interface ReadAllOptions {
  /** Connection settings other than `brokers` (SSL, SASL…); see {@link CreateTopicOptions.kafka}. */
  kafka?: Omit<KafkaConfig, 'brokers'>;
}

/**
 * Reads a topic from the beginning with a fresh consumer group until `expectedCount`
 * records arrived, then on to the end of every partition as it stands at that moment, so
 * unexpected extras (duplicates from retries) already written are returned too and the
 * caller's length assertion can catch them: no listening "a little longer", which a busy
 * machine could cut short.
 *
 * Records are sorted by partition, then offset, each stored record once (the consumer's own
 * re-deliveries after a rebalance are dropped; a record produced twice is two records).
 * Throws with the count received when fewer than `expectedCount` arrive within `timeoutMs`.
 */
export async function readAll(
  brokers: string[],
  topic: string,
  expectedCount: number,
  timeoutMs = 30_000,
  options: ReadAllOptions = {},
): Promise<ReadMessage[]> {
  const consumer = client(brokers, options.kafka).consumer({
    groupId: `harness-read-${randomBytes(6).toString('hex')}`,
    maxWaitTimeInMs: 100,
    allowAutoTopicCreation: false,
  });
  const messages: ReadMessage[] = [];
  /** Per partition, the offset after the last record consumed. */
  const consumedUpTo = new Map<number, bigint>();
  let atEnd: (() => boolean) | undefined;
  let reachedEnd: (() => void) | undefined;
  const seen = new Set<string>();
  let wake: (() => void) | undefined;
  const enough = new Promise<void>((resolve) => {
    wake = resolve;
  });
  const joined = new Promise<void>((resolve) => {
    consumer.on(consumer.events.GROUP_JOIN, () => resolve());
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        // A rebalance before the group committed (a loaded machine) hands the same offsets over
        // again: that is the consumer repeating itself, not a message stored twice.
        const at = `${partition}/${message.offset}`;
        if (seen.has(at)) return;
        seen.add(at);
        const next = BigInt(message.offset) + 1n;
        if (next > (consumedUpTo.get(partition) ?? 0n)) consumedUpTo.set(partition, next);
        messages.push({
          partition,
          offset: message.offset,
          key: message.key,
          value: message.value,
          headers: message.headers ?? {},
          timestamp: message.timestamp,
        });
        if (messages.length >= expectedCount) wake?.();
        if (atEnd?.()) reachedEnd?.();
      },
    });
    // Nothing to wait for when no record is expected, but the group must have joined
    // or "no records" would only mean "not looked yet".
    if (expectedCount <= 0) void joined.then(() => wake?.());
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    if ((await Promise.race([enough, timedOut])) === 'timeout') {
      throw new Error(
        `readAll(${topic}): got ${messages.length} of ${expectedCount} messages within ${timeoutMs} ms`,
      );
    }
    const ends = await endOffsets(brokers, topic, options.kafka);
    const end = new Promise<void>((resolve) => {
      reachedEnd = resolve;
    });
    atEnd = () => [...ends].every(([p, high]) => (consumedUpTo.get(p) ?? 0n) >= high);
    if (atEnd()) reachedEnd?.();
    if ((await Promise.race([end, timedOut])) === 'timeout') {
      throw new Error(
        `readAll(${topic}): did not reach the end offsets ${JSON.stringify(Object.fromEntries([...ends].map(([p, o]) => [p, String(o)])))} within ${timeoutMs} ms`,
      );
    }
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
  return messages.sort((a, b) => a.partition - b.partition || compareOffsets(a.offset, b.offset));
}

/**
 * What was written to `topic` after `from` (its {@link endOffsets} taken earlier), as
 * {@link readAll} reads it: waits for `expectedCount` such records, then reads on to the end.
 * For tests that share a topic and each check only what their own run wrote.
 */
export async function readAfter(
  brokers: string[],
  topic: string,
  from: ReadonlyMap<number, bigint>,
  expectedCount: number,
  timeoutMs?: number,
): Promise<ReadMessage[]> {
  // Offsets of a topic without transactions or compaction count its records from 0.
  const before = [...from.values()].reduce((sum, offset) => sum + offset, 0n);
  const all = await readAll(brokers, topic, Number(before) + expectedCount, timeoutMs);
  return all.filter((m) => BigInt(m.offset) >= (from.get(m.partition) ?? 0n));
}

/**
 * Deletes a topic and returns once the broker's metadata no longer has it, so the next
 * producer finds it missing (and a {@link createTopic} of the same name may follow).
 */
export async function deleteTopic(
  brokers: string[],
  name: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const admin = client(brokers).admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [name], timeout: timeoutMs });
    while ((await admin.listTopics()).includes(name)) {
      if (Date.now() > deadline)
        throw new Error(`Topic ${name} still listed ${timeoutMs} ms after its deletion`);
      await sleep(100);
    }
  } finally {
    await admin.disconnect();
  }
}

/** Each partition's high watermark: the offset the next record written will get. */
export async function endOffsets(
  brokers: string[],
  topic: string,
  config?: Omit<KafkaConfig, 'brokers'>,
): Promise<Map<number, bigint>> {
  const admin = client(brokers, config).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map(({ partition, high }) => [partition, BigInt(high)]));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Messages stored in `topic` (the sum of its partitions' high watermarks): how many
 * {@link readAll} must wait for to see everything, duplicates included.
 */
export async function storedCount(
  brokers: string[],
  topic: string,
  config: Omit<KafkaConfig, 'brokers'> = {},
): Promise<number> {
  const admin = client(brokers, { retry: { retries: 2 }, ...config }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

function compareOffsets(a: string, b: string): number {
  const d = BigInt(a) - BigInt(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

function client(brokers: string[], config: Omit<KafkaConfig, 'brokers'> = {}): Kafka {
  return new Kafka({ clientId: 'test-harness', logLevel: logLevel.NOTHING, ...config, brokers });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
