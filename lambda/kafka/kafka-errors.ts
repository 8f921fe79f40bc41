import { PartitionsNotAcknowledged } from './acknowledgements.js';
import { DeadlineExceeded } from './deadline.js';

/**
 * Kafka failures, described for an operator: what kafkajs said, the protocol error type when
 * there is one, and what usually fixes it. Every one of them is answered as a batch failure (the
 * records come back); only the log line differs.
 */
export interface KafkaFailure {
  name: string;
  message: string;
  /** Kafka protocol error type, e.g. `TOPIC_AUTHORIZATION_FAILED`, when known. */
  type?: string;
  hint?: string;
}

/** Protocol error types by the message kafkajs gives them, for errors wrapped without their type. */
const TYPES: ReadonlyArray<[string, RegExp]> = [
  ['UNKNOWN_TOPIC_OR_PARTITION', /does not host this topic-partition/i],
  ['TOPIC_AUTHORIZATION_FAILED', /not authorized to access topics/i],
  ['CLUSTER_AUTHORIZATION_FAILED', /cluster authorization failed/i],
  ['SASL_AUTHENTICATION_FAILED', /SASL .*authentication failed|authentication failed/i],
  ['ILLEGAL_SASL_STATE', /not valid given the current SASL state/i],
  ['MESSAGE_TOO_LARGE', /larger than the max message size|request included a message larger/i],
  ['NOT_ENOUGH_REPLICAS', /fewer in-sync replicas|not enough replicas/i],
];

const HINTS: Record<string, string> = {
  UNKNOWN_TOPIC_OR_PARTITION:
    'The topic does not exist and auto-creation is off: create it (KAFKA_TOPIC / KAFKA_DLQ_TOPIC).',
  TOPIC_AUTHORIZATION_FAILED:
    "The function's principal may not write to the topic: grant WRITE (MSK IAM: kafka-cluster:WriteData and kafka-cluster:DescribeTopic on the topic ARN).",
  CLUSTER_AUTHORIZATION_FAILED:
    "The function's principal may not use the cluster (MSK IAM: kafka-cluster:Connect on the cluster ARN).",
  SASL_AUTHENTICATION_FAILED:
    "Authentication failed: check the SASL mechanism and the secret in KAFKA_SASL_SECRET_ARN (with SCRAM or PLAIN the secret is read again, at once after a rotation, then at most every 5 minutes, and the producer rebuilt); with MSK IAM (which answers every refusal with 'Access denied'), that the role may kafka-cluster:Connect on the cluster ARN, that the cluster is in AWS_REGION, and that the role's credentials are valid.",
  ILLEGAL_SASL_STATE:
    'A connection was in a bad SASL state (a re-authentication the broker did not expect): the producer drops it and connects afresh.',
  MESSAGE_TOO_LARGE:
    "A request exceeded the topic's max.message.bytes: lower KAFKA_MAX_BATCH_BYTES below it.",
  NOT_ENOUGH_REPLICAS:
    'Fewer in-sync replicas than min.insync.replicas: the cluster is degraded; records will be retried.',
  CONNECTION:
    'Cannot reach the brokers: check KAFKA_BROKERS, the security group, TLS and the port for the auth mode.',
  DEADLINE: 'Kafka did not answer before the deadline: a slow, overloaded or hung broker.',
  SKIPPED:
    'A partition leader moved during the send and kafkajs skipped it (kafkajs #1303); the records come back and are written then.',
};

/** Describes one error from a produce or connect attempt. */
export function describeKafkaError(error: Error): KafkaFailure {
  const type = protocolType(error) ?? kind(error);
  const failure: KafkaFailure = { name: error.name, message: error.message };
  if (type && !['CONNECTION', 'DEADLINE', 'SKIPPED'].includes(type)) failure.type = type;
  const hint = type ? HINTS[type] : undefined;
  if (hint) failure.hint = hint;
  return failure;
}

/**
 * Kafka refused the SASL credentials. kafkajs reports it as `KafkaJSSASLAuthenticationError`,
 * or, when it happened inside one of its retry loops (the first connect), as a
 * `KafkaJSNonRetriableError` with the SASL error as its cause: both count.
 */
export function isAuthenticationFailure(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    if (e.name === 'KafkaJSSASLAuthenticationError') return true;
    if ((e as { type?: unknown }).type === 'SASL_AUTHENTICATION_FAILED') return true;
    e = (e as { cause?: unknown }).cause ?? (e as { originalError?: unknown }).originalError;
  }
  return false;
}

function protocolType(error: Error): string | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === 'string') return type;
    e =
      (e as { cause?: unknown; originalError?: unknown }).cause ??
      (e as { originalError?: unknown }).originalError;
  }
  return TYPES.find(([, pattern]) => pattern.test(error.message))?.[0];
}

function kind(error: Error): string | undefined {
  if (error instanceof DeadlineExceeded) return 'DEADLINE';
  if (error instanceof PartitionsNotAcknowledged) return 'SKIPPED';
  if (
    /Connection|ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|socket/i.test(
      `${error.name} ${error.message}`,
    )
  ) {
    return 'CONNECTION';
  }
  return undefined;
}
