import type { Message, Producer, RecordMetadata } from 'kafkajs';
import type { Compression, KafkaSettings } from '../config.js';
import type { OutgoingMessage } from '../messages.js';
import { logger } from '../telemetry.js';
import {
  acknowledgedPartitions,
  PartitionsNotAcknowledged,
  unacknowledged,
} from './acknowledgements.js';
import { kafkajsCompression } from './codecs.js';
import { withDeadline } from './deadline.js';

/**
 * How often one request's messages that kafkajs skipped are sent again within the invocation
 * before they are left to Lambda's re-delivery: each skip needs a leader to move during the
 * send, so a second one is rare and a fourth means the cluster is still moving.
 */
const RESENDS = 3;

/** What one produce request came to, once checked per partition. */
export interface CheckedSend {
  /** Indexes (into the invocation's messages) still not written; empty when all were. */
  unwritten: number[];
  /** Messages kafkajs resolved without writing (kafkajs #1303), counted over every attempt. */
  skipped: number;
  /** Why `unwritten` is not empty. */
  error?: PartitionsNotAcknowledged;
}

/** How {@link sendChecked} sends: the producer settings, and the invocation's deadline (epoch ms). */
export interface SendOptions extends Pick<KafkaSettings, 'acks' | 'requestTimeoutMs'> {
  compression: Compression;
  deadline: number;
}

/**
 * One produce request, messages `[start, end)` of one topic, through kafkajs: sent, checked
 * against what Kafka acknowledged per partition (acknowledgements.ts), and what kafkajs skipped
 * (kafkajs #1303) sent again, at most {@link RESENDS} times and never past the deadline, each
 * time logged with the partitions concerned. Rejects as kafkajs does (or with
 * `DeadlineExceeded`) when the request fails as a whole.
 */
export async function sendChecked(
  producer: Producer,
  messages: readonly OutgoingMessage[],
  start: number,
  end: number,
  options: SendOptions,
): Promise<CheckedSend> {
  const topic = (messages[start] as OutgoingMessage).topic;
  let indexes: number[] | undefined;
  let skipped = 0;
  for (let attempt = 1; ; attempt++) {
    const sent = indexes
      ? pickKafkaMessages(messages, indexes)
      : toKafkaMessages(messages, start, end);
    const metadata = await withDeadline(
      send(producer, topic, sent, options),
      options.deadline,
      'A produce request',
    );
    const missed = unacknowledged(sent, acknowledgedPartitions(topic, metadata));
    if (missed.length === 0) return { unwritten: [], skipped };
    const before = indexes;
    indexes = missed.map((j) => (before ? (before[j] as number) : start + j));
    skipped += missed.length;
    const partitions = [...new Set(missed.map((j) => (sent[j] as Message).partition))];
    const again = attempt <= RESENDS && Date.now() < options.deadline;
    logger.warn(
      'kafkajs resolved a produce request without Kafka acknowledging every partition (kafkajs #1303)',
      {
        topic,
        partitions,
        messages: missed.length,
        attempt,
        action: again ? 'sent again' : 'left for re-delivery',
      },
    );
    if (!again) {
      return {
        unwritten: indexes,
        skipped,
        error: new PartitionsNotAcknowledged(topic, partitions, missed.length),
      };
    }
  }
}

function send(
  producer: Producer,
  topic: string,
  messages: Message[],
  options: SendOptions,
): Promise<RecordMetadata[]> {
  return producer.sendBatch({
    topicMessages: [{ topic, messages }],
    acks: options.acks,
    compression: kafkajsCompression(options.compression),
    // How long the broker may wait for replicas: never past our deadline.
    timeout: Math.max(1, Math.min(options.requestTimeoutMs, options.deadline - Date.now())),
  });
}

/**
 * Fresh kafkajs message objects for `messages[start, end)` (or, with {@link pickKafkaMessages},
 * for the listed indexes): fresh, because the partitioner pins each one's partition on it for
 * the life of one send.
 */
function toKafkaMessages(
  messages: readonly OutgoingMessage[],
  start: number,
  end: number,
): Message[] {
  const out: Message[] = new Array(end - start);
  for (let i = start; i < end; i++) out[i - start] = kafkaMessage(messages[i] as OutgoingMessage);
  return out;
}

function pickKafkaMessages(
  messages: readonly OutgoingMessage[],
  indexes: readonly number[],
): Message[] {
  return indexes.map((i) => kafkaMessage(messages[i] as OutgoingMessage));
}

function kafkaMessage({ key, value, headers }: OutgoingMessage): Message {
  return headers ? { key, value, headers } : { key, value };
}
