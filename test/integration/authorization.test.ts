import { Kafka, logLevel } from 'kafkajs';
import { beforeAll, expect, it, vi } from 'vitest';
import { loadConfig } from '../../lambda/config.js';
import { WarmProducer } from '../../lambda/kafka/producer.js';
import { useOwnBroker } from '../harness/own-broker.js';
import { randomTopic } from '../harness/topics.js';
import { encodeSpan, kinesisEvent, lambdaContext } from '../helpers/factories.js';
import { handlerModule } from '../helpers/handler.js';

/**
 * A topic the function may not write to: Kafka's StandardAuthorizer with no ACL for the
 * function's SCRAM user. The records come back as failures with the reason in the log; nothing
 * is answered as stored.
 */

const user = { username: 'collector', password: 'collector-secret' };
const broker = useOwnBroker({
  ssl: true,
  saslScram: user,
  serverProperties: {
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    // The harness and the broker itself use the PLAINTEXT listener, as ANONYMOUS.
    'super.users': 'User:ANONYMOUS',
    'allow.everyone.if.no.acl.found': false,
  },
});
const SECRET_ARN =
  'arn:aws:secretsmanager:us-east-1:123456789012:secret:AmazonMSK_collector-AbCdEf';

let createHandler: typeof import('../../lambda/handler.js').createHandler;
let logger: typeof import('../../lambda/telemetry.js').logger;

beforeAll(async () => {
  ({ createHandler } = await handlerModule());
  ({ logger } = await import('../../lambda/telemetry.js'));
});

it('answers failures and logs TOPIC_AUTHORIZATION_FAILED when the topic may not be written', async () => {
  const topic = randomTopic('forbidden');
  await broker().createTopic(topic, 2);
  const config = loadConfig({
    KAFKA_BROKERS: broker().listeners.saslSsl as string,
    KAFKA_TOPIC: topic,
    KAFKA_DLQ_TOPIC: 'none',
    KAFKA_SSL_CA_FILE: broker().caPem as string,
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SASL_SECRET_ARN: SECRET_ARN,
    KAFKA_RETRIES: '1',
  });
  const readSecret = vi.fn(async (arn: string) => {
    expect(arn).toBe(SECRET_ARN);
    return user;
  });
  const producer = new WarmProducer(config.kafka, readSecret);
  const errors = vi.spyOn(logger, 'error');
  const event = kinesisEvent([encodeSpan(), encodeSpan()]);

  try {
    const response = await createHandler(config, producer)(event, lambdaContext(10_000));

    expect(response).toStrictEqual({
      batchItemFailures: [{ itemIdentifier: event.Records[0]?.kinesis.sequenceNumber }],
    });
    expect(readSecret).toHaveBeenCalledTimes(1);
    const logged = JSON.stringify(errors.mock.calls);
    expect(logged).toContain('TOPIC_AUTHORIZATION_FAILED');
    expect(logged).toContain('grant WRITE');
    expect(logged).not.toContain(user.password);
  } finally {
    await producer.close();
  }

  // Nothing reached the topic.
  const admin = new Kafka({ brokers: broker().brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  expect(offsets.every((p) => p.high === '0')).toBe(true);
});
