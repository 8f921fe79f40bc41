import { randomBytes } from 'node:crypto';
import { type Admin, type Consumer, Kafka, logLevel } from 'kafkajs';
import type { Consumed } from './checks.js';

type Offsets = Map<number, bigint>;

/**
 * Follows topics from where they stood when the tail was opened, so a run against an existing
 * broker only sees its own messages. `caughtUp` waits until everything the topics hold at
 * that moment has been consumed.
 */
export class TopicTail {
  private consumer: Consumer | undefined;
  private readonly next = new Map<string, Offsets>();
  /** Messages consumed so far, all topics. */
  consumed = 0;

  private constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    private readonly start: Map<string, Offsets>,
    /** Partition count per topic. */
    readonly partitions: Map<string, number>,
  ) {}

  /** Notes where each topic ends now; nothing is consumed yet. */
  static async open(brokers: string[], topics: readonly string[]): Promise<TopicTail> {
    const kafka = new Kafka({ clientId: 'local-verifier', brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const start = new Map<string, Offsets>();
    const partitions = new Map<string, number>();
    for (const topic of topics) {
      const offsets = await admin.fetchTopicOffsets(topic);
      start.set(topic, new Map(offsets.map((o) => [o.partition, BigInt(o.high)])));
      partitions.set(topic, offsets.length);
    }
    return new TopicTail(kafka, admin, start, partitions);
  }

  /** Starts consuming; `onMessage` sees every message written after {@link open}. */
  async follow(onMessage: (topic: string, message: Consumed) => void): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: `local-verifier-${randomBytes(6).toString('hex')}`,
      maxWaitTimeInMs: 200,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    await consumer.connect();
    for (const topic of this.start.keys()) await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const from = this.start.get(batch.topic)?.get(batch.partition) ?? 0n;
        for (const message of batch.messages) {
          const offset = BigInt(message.offset);
          if (offset < from) continue;
          this.consumed++;
          onMessage(batch.topic, {
            partition: batch.partition,
            key: message.key,
            value: message.value,
            headers: message.headers ?? {},
          });
          this.advance(batch.topic, batch.partition, offset + 1n);
        }
      },
    });
    for (const [topic, offsets] of this.start) {
      for (const [partition, offset] of offsets) {
        consumer.seek({ topic, partition, offset: String(offset) });
      }
    }
  }

  /**
   * Resolves once every message the topics hold now has been consumed; false after
   * `timeoutMs` (a message the consumer never gets is a finding, not a hang).
   */
  async caughtUp(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const end = new Map<string, Offsets>();
    for (const topic of this.start.keys()) {
      const offsets = await this.admin.fetchTopicOffsets(topic);
      end.set(topic, new Map(offsets.map((o) => [o.partition, BigInt(o.high)])));
    }
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !signal?.aborted) {
      if (this.reached(end)) return true;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return this.reached(end);
  }

  async close(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }

  private reached(end: Map<string, Offsets>): boolean {
    for (const [topic, offsets] of end) {
      for (const [partition, high] of offsets) {
        const from = this.start.get(topic)?.get(partition) ?? 0n;
        const at = this.next.get(topic)?.get(partition) ?? from;
        if (at < high) return false;
      }
    }
    return true;
  }

  private advance(topic: string, partition: number, next: bigint): void {
    let offsets = this.next.get(topic);
    if (!offsets) {
      offsets = new Map();
      this.next.set(topic, offsets);
    }
    if (next > (offsets.get(partition) ?? 0n)) offsets.set(partition, next);
  }
}
