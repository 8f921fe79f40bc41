import { Kafka, type LogEntry, logLevel, type Producer } from 'kafkajs';
import type { KafkaSettings } from '../config.js';
import { BATCH_OVERHEAD_BYTES, messageBytes, type OutgoingMessage } from '../messages.js';
import { logger } from '../telemetry.js';
import { sendChecked } from './checked-send.js';
import { registerCodecs } from './codecs.js';
import { type ConnectionOptions, connectionOptions, type SecretReader } from './connection.js';
import { DeadlineExceeded, withDeadline } from './deadline.js';
import { describeKafkaError, isAuthenticationFailure } from './kafka-errors.js';
import { pinnedJavaPartitioner } from './pinned-partitioner.js';
import { deriveReauthenticationFromSessions, isBadSaslState } from './reauthentication.js';
import { SecretRefresh } from './secret-refresh.js';

/** What Kafka acknowledged of one invocation's messages. */
export interface Delivery {
  /** One flag per message, in order: true once Kafka acknowledged it. */
  acknowledged: boolean[];
  /** Why the others were not acknowledged; empty when all were. */
  errors: Error[];
  /**
   * Messages a resolved kafkajs send had not written (kafkajs #1303: their partition was not
   * among the acknowledged ones), sent again or left unacknowledged. 0 when absent.
   */
  skipped?: number;
}

/** How old the producer's topic metadata may grow (kafkajs's and Java's default, 5 minutes). */
const METADATA_MAX_AGE_MS = 300_000;

/** Produces one invocation's messages; {@link WarmProducer} is the real one. */
export interface MessageProducer {
  deliver(messages: readonly OutgoingMessage[], deadline: number): Promise<Delivery>;
}

/**
 * The warm producer: one per container, created at cold start, connected on first use and
 * reused by every later invocation. It is never disconnected per invocation (a reconnect
 * costs a TLS handshake and authentication per broker).
 *
 * One invocation's messages go out as few produce requests as the broker's size limit allows
 * (kafkajs groups each request per partition and per broker), several in flight at once. A
 * request that kafkajs rejects is unacknowledged as a whole; one that it resolves counts only
 * for the messages whose partition Kafka acknowledged in it (checked-send.ts): the rest
 * (kafkajs #1303) are sent again while the deadline allows. Every wait is bounded by the
 * invocation's deadline.
 *
 * Recovery: after a failed request the next invocation connects again (a no-op when the
 * connections are fine); after a deadline expired with requests in flight (a hung broker, a
 * stale socket after the container was frozen) the producer is dropped and rebuilt, so no
 * invocation waits behind a dead connection; after Kafka refused the SASL credentials of a
 * secret (a rotated password), the secret is read again (as often as secret-refresh.ts allows)
 * and the producer rebuilt with them. When a produce request fails because its connection's SASL
 * state went bad (a refused or out-of-turn re-authentication), the producer is rebuilt at once
 * and what is not acknowledged yet goes out again over fresh connections, within the same
 * deadline.
 */
export class WarmProducer implements MessageProducer {
  /**
   * How often this container connected and rebuilt its producer (a warm one stays at 1 and 0),
   * and how many messages kafkajs skipped (kafkajs #1303) that the per-partition check caught.
   */
  readonly stats = { connects: 0, rebuilds: 0, skipped: 0 };
  private producer: Producer | undefined;
  private connected: Promise<void> | undefined;
  private connection: Promise<ConnectionOptions> | undefined;
  private readonly secret = new SecretRefresh();

  constructor(
    private readonly settings: KafkaSettings,
    private readonly readSecret?: SecretReader,
  ) {
    registerCodecs();
    // Each connection re-authenticates before its own session ends, never twice in a second.
    deriveReauthenticationFromSessions();
    // Start fetching credentials during init, where Lambda gives full CPU; awaited on first use.
    this.connection = this.loadConnection();
  }

  /** Produces the messages and reports which Kafka acknowledged before `deadline` (epoch ms). */
  async deliver(messages: readonly OutgoingMessage[], deadline: number): Promise<Delivery> {
    const acknowledged = new Array<boolean>(messages.length).fill(false);
    if (messages.length === 0) return { acknowledged, errors: [] };

    const first = await this.attempt(messages, acknowledged, deadline);
    let { errors } = first;
    let { skipped } = first;
    // Only for produce requests: a refusal while connecting would only be refused again.
    if (first.sent && errors.some(isBadSaslState) && Date.now() < deadline) {
      logger.warn('A Kafka connection is in a bad SASL state: connecting afresh', {
        errors: errors.map(describeKafkaError),
      });
      // A refused re-authentication of a secret's credentials may be a rotation: read it again.
      if (errors.some(isAuthenticationFailure)) this.rereadSecret();
      this.rebuild();
      const again = await this.attempt(messages, acknowledged, deadline);
      ({ errors } = again);
      skipped += again.skipped;
    }
    if (errors.length > 0) this.recover(errors);
    this.stats.skipped += skipped;
    return { acknowledged, errors, skipped };
  }

  /**
   * Sends every request with a message not acknowledged yet, each checked per partition
   * (checked-send.ts), marking what Kafka acknowledged; `sent` is false when connecting failed.
   */
  private async attempt(
    messages: readonly OutgoingMessage[],
    acknowledged: boolean[],
    deadline: number,
  ): Promise<{ errors: Error[]; sent: boolean; skipped: number }> {
    const errors: Error[] = [];
    let producer: Producer;
    try {
      producer = await withDeadline(this.connect(), deadline, 'Connecting to Kafka');
    } catch (error) {
      return { errors: [asError(error)], sent: false, skipped: 0 };
    }

    const requests = planRequests(messages, this.settings.maxBatchBytes).filter(
      ([start, end]) => !allAcknowledged(acknowledged, start, end),
    );
    let next = 0;
    let failed = false;
    let skipped = 0;
    // A failed request stops the next ones: Lambda re-delivers from the earliest failed record
    // anyway, so what follows would only be sent twice.
    const worker = async (): Promise<void> => {
      while (!failed && next < requests.length) {
        const [start, end] = requests[next++] as [number, number];
        try {
          const request = await sendChecked(producer, messages, start, end, {
            deadline,
            acks: this.settings.acks,
            compression: this.settings.compression,
            requestTimeoutMs: this.settings.requestTimeoutMs,
          });
          skipped += request.skipped;
          acknowledged.fill(true, start, end);
          for (const i of request.unwritten) acknowledged[i] = false;
          if (request.error) {
            failed = true;
            errors.push(request.error);
          }
        } catch (error) {
          failed = true;
          errors.push(asError(error));
        }
      }
    };
    const workers = Math.min(this.settings.maxInFlight, requests.length);
    await Promise.all(Array.from({ length: workers }, worker));
    return { errors, sent: true, skipped };
  }

  /** Disconnects for good; for scripts and tests, never called by the handler. */
  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    this.connected = undefined;
    await producer?.disconnect();
  }

  private async connect(): Promise<Producer> {
    if (this.connected === undefined) {
      const started = Date.now();
      const connecting = this.createProducer()
        .then((producer) => producer.connect())
        .then(() => {
          this.secret.succeeded();
          this.stats.connects++;
          logger.info('Connected to Kafka', { ms: Date.now() - started, ...this.stats });
        });
      this.connected = connecting;
      connecting.catch(() => {
        if (this.connected === connecting) this.connected = undefined;
      });
    }
    await this.connected;
    return this.producer as Producer;
  }

  private async createProducer(): Promise<Producer> {
    if (this.producer) return this.producer;
    this.connection ??= this.loadConnection();
    const connection = await this.connection;
    const { settings } = this;
    const kafka = new Kafka({
      clientId: settings.clientId,
      brokers: settings.brokers,
      ...connection,
      connectionTimeout: settings.connectionTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      enforceRequestTimeout: true,
      retry: { retries: settings.retries, initialRetryTime: 100, maxRetryTime: 2000 },
      logLevel: logLevel.WARN,
      logCreator: kafkajsLogs,
    });
    const producer = kafka.producer({
      createPartitioner: pinnedJavaPartitioner,
      // Partitions added to a topic are used after the next metadata refresh, at most this long
      // (Java's `metadata.max.age.ms` default), or at once after an error refreshes it.
      metadataMaxAge: METADATA_MAX_AGE_MS,
      allowAutoTopicCreation: false,
      // kafkajs marks idempotence experimental, and it would not dedupe Lambda's re-deliveries.
      idempotent: false,
    });
    producer.on(producer.events.DISCONNECT, () => {
      if (this.producer === producer) this.connected = undefined;
    });
    this.producer = producer;
    return producer;
  }

  private loadConnection(): Promise<ConnectionOptions> {
    this.secret.read();
    const loading = connectionOptions(this.settings, this.readSecret);
    loading.catch(() => {
      // Reported when first awaited; loaded again on the next attempt.
      if (this.connection === loading) this.connection = undefined;
    });
    return loading;
  }

  /**
   * After a failure: reconnect next time; after a deadline, rebuild the producer from scratch;
   * after refused credentials from a secret, read the secret again and rebuild.
   */
  private recover(errors: readonly Error[]): void {
    this.connected = undefined;
    if (errors.some(isAuthenticationFailure) && this.rereadSecret()) this.rebuild();
    else if (errors.some((e) => e instanceof DeadlineExceeded)) this.rebuild();
  }

  /** Drops the cached credentials and starts reading the secret, when the policy allows it. */
  private rereadSecret(): boolean {
    if (this.settings.sasl.mechanism === 'none' || this.settings.sasl.mechanism === 'aws-msk-iam') {
      return false;
    }
    const now = this.secret.refused();
    logger.warn(
      now
        ? 'Kafka refused the SASL credentials: reading the secret again and rebuilding the producer'
        : 'Kafka refused the SASL credentials, which have not worked yet: the secret is read again later',
      { secretArn: this.settings.sasl.secretArn },
    );
    if (now) this.connection = this.loadConnection();
    return now;
  }

  /** Drops the producer and its connections; the next attempt builds and connects a new one. */
  private rebuild(): void {
    this.connected = undefined;
    const stale = this.producer;
    if (!stale) return;
    this.producer = undefined;
    this.stats.rebuilds++;
    stale.disconnect().catch(() => {
      // Its sockets are already unusable; nothing to report.
    });
  }
}

/**
 * Cuts the messages, in order, into produce requests as `[start, end)` index ranges: a new
 * request starts where the topic changes (so a problem with one topic, say a missing dead-letter
 * topic, does not fail the spans of another) and before a request would exceed `maxBatchBytes`
 * (a request's records for one partition form one record batch, which the broker refuses over
 * its `message.max.bytes`).
 */
export function planRequests(
  messages: readonly OutgoingMessage[],
  maxBatchBytes: number,
): Array<[number, number]> {
  const requests: Array<[number, number]> = [];
  let start = 0;
  let bytes = BATCH_OVERHEAD_BYTES;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i] as OutgoingMessage;
    const size = messageBytes(message);
    if (i > start && (bytes + size > maxBatchBytes || message.topic !== messages[start]?.topic)) {
      requests.push([start, i]);
      start = i;
      bytes = BATCH_OVERHEAD_BYTES;
    }
    bytes += size;
  }
  if (start < messages.length) requests.push([start, messages.length]);
  return requests;
}

function allAcknowledged(acknowledged: readonly boolean[], start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!acknowledged[i]) return false;
  return true;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** Routes kafkajs' own logs into the structured logger. */
function kafkajsLogs() {
  return ({ namespace, level, log }: LogEntry): void => {
    const { message, timestamp: _timestamp, ...extra } = log;
    logger[LEVELS[level] ?? 'info'](`kafkajs ${namespace}: ${message}`, extra);
  };
}
