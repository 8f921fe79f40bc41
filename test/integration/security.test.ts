import { afterAll, describe, expect, it } from 'vitest';
import { readSecretsManager } from '../../lambda/kafka/connection.js';
import { isAuthenticationFailure } from '../../lambda/kafka/kafka-errors.js';
import { FIRST_WAIT_MS, MAX_WAIT_MS } from '../../lambda/kafka/secret-refresh.js';
import { sharedKafka } from '../harness/context.js';
import { createTopic, randomTopic, readAll } from '../harness/topics.js';
import { type Collector, collector } from '../helpers/collector.js';
import { encodeSpan, kinesisEvent, lambdaContext } from '../helpers/factories.js';
import { useSecretsManager } from '../helpers/secrets-manager.js';

/**
 * The function's own producer path over the broker's secured listeners: TLS with a private CA
 * (KAFKA_SSL_CA_FILE), and SASL_SSL with SCRAM credentials that the function reads from Secrets
 * Manager at cold start. Secrets Manager is moto's server on loopback, reached through
 * AWS_ENDPOINT_URL_SECRETS_MANAGER, so the real SDK call, signing and parsing all run.
 * The spans are read back on the PLAINTEXT listener and checked key by key.
 */

const kafka = sharedKafka();
const REGION = 'us-east-1';
const secrets = useSecretsManager();
const open: Collector[] = [];

afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
});

/** Re-reads secret-refresh.ts allows in `ms` for credentials that never worked. */
function readsAllowedAfter(ms: number): number {
  let reads = 0;
  for (
    let wait = FIRST_WAIT_MS, at = wait;
    at <= ms;
    wait = Math.min(2 * wait, MAX_WAIT_MS), at += wait
  )
    reads++;
  return reads;
}

/** An MSK-style SCRAM secret (`AmazonMSK_…`, `{"username","password"}`); returns its full ARN. */
const scramSecret = (username: string, password: string) => secrets.create(username, password);

async function collectorFor(env: Record<string, string>): Promise<Collector> {
  const c = await collector([], { KAFKA_DLQ_TOPIC: 'none', ...env });
  open.push(c);
  return c;
}

/** A fresh topic and an event of spans with known traceIds. */
async function spansFor(label: string, count = 6) {
  const topic = randomTopic(label);
  await createTopic(kafka.brokers, topic, 3);
  const traceIds = Array.from({ length: count }, (_, i) => `${label}-trace-${i}`);
  return {
    topic,
    traceIds,
    event: kinesisEvent(traceIds.map((traceId) => encodeSpan({ traceId }))),
  };
}

const need = <T>(value: T | undefined, what: string): T => {
  if (value === undefined) throw new Error(`The shared broker was started without ${what}`);
  return value;
};

describe('TLS listener', () => {
  it('produces every span, keyed by traceId, trusting the private CA from KAFKA_SSL_CA_FILE', async () => {
    const { topic, traceIds, event } = await spansFor('tls');
    const c = await collectorFor({
      KAFKA_BROKERS: need(kafka.listeners.ssl, 'an SSL listener'),
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: need(kafka.caPem, 'a CA'),
      KAFKA_SASL_MECHANISM: 'none',
      KAFKA_TOPIC: topic,
    });

    const response = await c.handler(event, lambdaContext());

    expect(response).toEqual({ batchItemFailures: [] });
    const read = await readAll(kafka.brokers, topic, traceIds.length);
    expect(read.map((m) => m.key?.toString()).sort()).toEqual([...traceIds].sort());
  });

  it('refuses a broker certificate the system CAs do not trust, and reports the batch for retry', async () => {
    const { topic, event } = await spansFor('tls-untrusted', 2);
    const c = await collectorFor({
      KAFKA_BROKERS: need(kafka.listeners.ssl, 'an SSL listener'),
      KAFKA_SSL: 'true',
      KAFKA_SASL_MECHANISM: 'none',
      KAFKA_TOPIC: topic,
      KAFKA_RETRIES: '0',
    });

    const response = await c.handler(event, lambdaContext(5_000));

    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: event.Records[0]?.kinesis.sequenceNumber }],
    });
    const read = await readAll(kafka.brokers, topic, 0);
    expect(read).toEqual([]);
  });
});

describe('SASL_SSL listener with credentials from Secrets Manager', () => {
  it.each(['scram-sha-512', 'scram-sha-256'])(
    '%s: reads the secret at cold start and produces every span, keyed by traceId',
    async (mechanism) => {
      const { username, password } = need(kafka.sasl?.scram, 'a SCRAM user');
      const secretArn = await scramSecret(username, password);
      const { topic, traceIds, event } = await spansFor(mechanism);
      const c = await collectorFor({
        KAFKA_BROKERS: need(kafka.listeners.saslSsl, 'a SASL_SSL listener'),
        KAFKA_SSL: 'true',
        KAFKA_SSL_CA_FILE: need(kafka.caPem, 'a CA'),
        KAFKA_SASL_MECHANISM: mechanism,
        KAFKA_SASL_SECRET_ARN: secretArn,
        KAFKA_TOPIC: topic,
      });

      const response = await c.handler(event, lambdaContext());

      expect(response).toEqual({ batchItemFailures: [] });
      const read = await readAll(kafka.brokers, topic, traceIds.length);
      expect(read.map((m) => m.key?.toString()).sort()).toEqual([...traceIds].sort());
    },
  );

  it('fails authentication with a wrong password in the secret, reports the batch for retry, and does not re-read the secret per invocation', async () => {
    const { username } = need(kafka.sasl?.scram, 'a SCRAM user');
    const secretArn = await scramSecret(username, 'not-the-password');
    const { topic, event } = await spansFor('scram-wrong', 2);
    let reads = 0;
    const started = Date.now();
    const c = await collector(
      [],
      {
        KAFKA_BROKERS: need(kafka.listeners.saslSsl, 'a SASL_SSL listener'),
        KAFKA_SSL: 'true',
        KAFKA_SSL_CA_FILE: need(kafka.caPem, 'a CA'),
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_SECRET_ARN: secretArn,
        KAFKA_TOPIC: topic,
        KAFKA_RETRIES: '0',
      },
      {
        readSecret: (arn) => {
          reads++;
          return readSecretsManager(arn);
        },
      },
    );
    open.push(c);

    const responses = [];
    for (let i = 0; i < 5; i++) responses.push(await c.handler(event, lambdaContext(5_000)));

    const named = {
      batchItemFailures: [{ itemIdentifier: event.Records[0]?.kinesis.sequenceNumber }],
    };
    expect(responses).toEqual(Array(5).fill(named));
    expect(c.errors.some(isAuthenticationFailure)).toBe(true);
    expect(await readAll(kafka.brokers, topic, 0)).toEqual([]);
    // Credentials that never worked are read again only after waits of 10 s, 20 s, 40 s…
    expect(reads).toBeLessThanOrEqual(1 + readsAllowedAfter(Date.now() - started));
  });

  it('fails the batch, not the container, when the secret does not exist', async () => {
    const missing = `arn:aws:secretsmanager:${REGION}:123456789012:secret:AmazonMSK_missing-AbCdEf`;
    const { topic, event } = await spansFor('scram-missing', 1);
    const c = await collectorFor({
      KAFKA_BROKERS: need(kafka.listeners.saslSsl, 'a SASL_SSL listener'),
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: need(kafka.caPem, 'a CA'),
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_SECRET_ARN: missing,
      KAFKA_TOPIC: topic,
    });

    const response = await c.handler(event, lambdaContext(5_000));

    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: event.Records[0]?.kinesis.sequenceNumber }],
    });
  });
});
