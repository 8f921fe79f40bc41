import * as zlib from 'node:zlib';
import { type FormatSettings, readFormatSettings } from './config-formats.js';
import { BROKER, type Env, EnvReader, TOPIC_NAME } from './env-reader.js';

/**
 * Configuration: environment variables, read and validated once at cold start.
 *
 * Each setting documents its default where it is declared. Every problem found is reported
 * together in one {@link ConfigError} naming the variable and what it accepts, so a bad
 * deployment fails at init with a message that says how to fix it.
 */

export type Compression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
export type SaslMechanism = 'none' | 'plain' | 'scram-sha-256' | 'scram-sha-512' | 'aws-msk-iam';

/** How the producer authenticates to the brokers. */
export type SaslSettings =
  | { mechanism: 'none' }
  /** Username and password from a Secrets Manager secret (`{"username","password"}`), read at cold start. */
  | { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; secretArn: string }
  /** Amazon MSK IAM: short-lived tokens signed with the function's role. */
  | { mechanism: 'aws-msk-iam'; region: string };

export interface KafkaSettings {
  /** `KAFKA_BROKERS`, required: bootstrap `host:port` list, comma-separated. */
  brokers: string[];
  /** `KAFKA_TOPIC`, default `proto-spans` (the original collector's). */
  topic: string;
  /**
   * `KAFKA_DLQ_TOPIC`, default `proto-spans-dlq`; `none` turns dead letters off (refused records
   * are then only counted and logged). Every refused record goes there with its bytes as received.
   */
  deadLetterTopic?: string;
  /** `KAFKA_CLIENT_ID`, default `haystack-kinesis-collector`: shows in broker logs and quotas. */
  clientId: string;
  /** `KAFKA_ACKS`, default `all` (-1): wait for every in-sync replica. `1`: the leader only. */
  acks: -1 | 1;
  /**
   * `KAFKA_COMPRESSION`, default `gzip`: codec of the record batches we write. gzip makes the
   * generator's spans 0.20-0.22x as many bytes on the wire, as small as zstd, at a compute cost
   * that is a tenth of what it saves in MSK's per-byte charges; lz4 (the original collector's)
   * leaves 1.4x gzip's bytes, and zstd needs Node.js 22.15 (BENCHMARKS.md, "Cost per span").
   */
  compression: Compression;
  /** `KAFKA_SSL`, default `true`: TLS to the brokers. */
  ssl: boolean;
  /** `KAFKA_SSL_CA_FILE`, optional: PEM bundle to trust instead of the system CAs (self-managed brokers). */
  sslCa?: string;
  /** `KAFKA_SASL_MECHANISM`, default `aws-msk-iam`; with it `KAFKA_SASL_SECRET_ARN` or `AWS_REGION`. */
  sasl: SaslSettings;
  /** `KAFKA_CONNECTION_TIMEOUT_MS`, default 5000: TCP + TLS connect per broker (kafkajs' 1000 is short for TLS + IAM). */
  connectionTimeoutMs: number;
  /** `KAFKA_REQUEST_TIMEOUT_MS`, default 10000: one request's round trip, before kafkajs retries it. */
  requestTimeoutMs: number;
  /** `KAFKA_RETRIES`, default 5: kafkajs retries of a failed request within one invocation. */
  retries: number;
  /**
   * `KAFKA_MAX_BATCH_BYTES`, default 1000000: the most span bytes (keys, values and record
   * overhead) one produce request carries. Kafka refuses a record batch over the broker's
   * `message.max.bytes` (1048588 by default), and kafkajs puts a request's records for one
   * partition in one batch, so a large invocation is cut into requests of at most this size.
   */
  maxBatchBytes: number;
  /** `KAFKA_MAX_IN_FLIGHT`, default 5: produce requests of one invocation in flight at once. */
  maxInFlight: number;
}

export interface Config {
  kafka: KafkaSettings;
  /** Input format, decorators, output format and tag routes (lambda/config-formats.ts). */
  formats: FormatSettings;
  /**
   * `DEADLINE_MARGIN_MS`, default 1000: time kept back from the function's timeout to answer,
   * log and flush metrics. Produce requests still unacknowledged by then are reported failed.
   * Never more than half the remaining time is kept back (see `produceBudget`).
   */
  deadlineMarginMs: number;
}

/** Thrown at cold start when the environment is invalid; the message names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const COMPRESSIONS: readonly Compression[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const MECHANISMS: readonly SaslMechanism[] = [
  'none',
  'plain',
  'scram-sha-256',
  'scram-sha-512',
  'aws-msk-iam',
];
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/;

/** Reads and validates the whole configuration; throws one {@link ConfigError} listing every problem. */
export function loadConfig(env: Env): Config {
  const problems: string[] = [];
  const read = new EnvReader(env, problems);

  const brokers = read.list('KAFKA_BROKERS', BROKER, 'a comma-separated list of host:port');
  const ssl = read.bool('KAFKA_SSL', true);
  const sslCaFile = read.optional('KAFKA_SSL_CA_FILE');
  const kafka: KafkaSettings = {
    brokers,
    topic: read.matching(
      'KAFKA_TOPIC',
      'proto-spans',
      TOPIC_NAME,
      'a Kafka topic name: 1-249 of a-z A-Z 0-9 . _ -',
    ),
    clientId: read.string('KAFKA_CLIENT_ID', 'haystack-kinesis-collector'),
    deadLetterTopic: readDeadLetterTopic(read),
    acks: readAcks(read),
    compression: read.oneOf('KAFKA_COMPRESSION', 'gzip', COMPRESSIONS),
    ssl,
    sasl: readSasl(read, env),
    connectionTimeoutMs: read.int('KAFKA_CONNECTION_TIMEOUT_MS', 5000, 100, 60_000),
    requestTimeoutMs: read.int('KAFKA_REQUEST_TIMEOUT_MS', 10_000, 100, 300_000),
    retries: read.int('KAFKA_RETRIES', 5, 0, 100),
    maxBatchBytes: read.int('KAFKA_MAX_BATCH_BYTES', 1_000_000, 1024, 100_000_000),
    maxInFlight: read.int('KAFKA_MAX_IN_FLIGHT', 5, 1, 100),
  };
  if (kafka.deadLetterTopic === kafka.topic) {
    problems.push(
      `KAFKA_DLQ_TOPIC="${kafka.deadLetterTopic}" is the span topic: use another topic, or none`,
    );
  }
  if (sslCaFile !== undefined) {
    if (!ssl)
      problems.push(
        'KAFKA_SSL_CA_FILE is set but KAFKA_SSL=false: set KAFKA_SSL=true or unset the CA file',
      );
    kafka.sslCa = read.file('KAFKA_SSL_CA_FILE', sslCaFile);
  }
  if (kafka.compression === 'zstd' && !zstdAvailable()) {
    problems.push(
      `KAFKA_COMPRESSION="zstd" needs Node.js 22.15 or later (node:zlib zstd); this is ${process.version}: use none, gzip, snappy or lz4`,
    );
  }
  const deadlineMarginMs = read.int('DEADLINE_MARGIN_MS', 1000, 0, 60_000);
  const formats = readFormatSettings(env, problems);
  for (const route of formats.routes) {
    if (!route.brokers && (route.topic === kafka.topic || route.topic === kafka.deadLetterTopic)) {
      problems.push(
        `ROUTES: route ${route.name} writes to ${route.topic}, which already gets every span or dead letter: use another topic`,
      );
    }
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return { kafka, formats, deadlineMarginMs };
}

function readAcks(read: EnvReader): -1 | 1 {
  const value = read.optional('KAFKA_ACKS')?.toLowerCase() ?? 'all';
  if (value === 'all' || value === '-1') return -1;
  if (value === '1') return 1;
  read.problem(
    `KAFKA_ACKS="${value}" is not accepted: use all (or -1) or 1; acks=0 is refused because the collector must know a span was stored before it acknowledges the Kinesis record`,
  );
  return -1;
}

function readDeadLetterTopic(read: EnvReader): string | undefined {
  const topic = read.matching(
    'KAFKA_DLQ_TOPIC',
    'proto-spans-dlq',
    /^(none|[a-zA-Z0-9._-]{1,249})$/,
    'a Kafka topic name, or none to turn dead letters off',
  );
  return topic === 'none' ? undefined : topic;
}

function readSasl(read: EnvReader, env: Env): SaslSettings {
  const mechanism = read.oneOf('KAFKA_SASL_MECHANISM', 'aws-msk-iam', MECHANISMS);
  switch (mechanism) {
    case 'none':
      return { mechanism };
    case 'aws-msk-iam': {
      const region = env.AWS_REGION?.trim();
      if (!region) {
        read.problem(
          'AWS_REGION is required with KAFKA_SASL_MECHANISM=aws-msk-iam (Lambda sets it)',
        );
      }
      return { mechanism, region: region ?? '' };
    }
    default: {
      const secretArn = read.optional('KAFKA_SASL_SECRET_ARN');
      if (secretArn === undefined) {
        read.problem(
          `KAFKA_SASL_SECRET_ARN is required with KAFKA_SASL_MECHANISM=${mechanism}: the ARN of a Secrets Manager secret holding {"username","password"}`,
        );
      } else if (!SECRET_ARN.test(secretArn)) {
        read.problem(`KAFKA_SASL_SECRET_ARN="${secretArn}" is not a Secrets Manager secret ARN`);
      }
      return { mechanism, secretArn: secretArn ?? '' };
    }
  }
}

/** node:zlib has zstd from Node.js 22.15 / 23.8; the Lambda runtime has it, Node 20 does not. */
export function zstdAvailable(): boolean {
  return typeof (zlib as Record<string, unknown>).zstdCompress === 'function';
}
