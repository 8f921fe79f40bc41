import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, zstdAvailable } from '../../lambda/config.js';

const MINIMAL = { KAFKA_BROKERS: 'b-1.msk:9098,b-2.msk:9098', AWS_REGION: 'eu-west-1' };
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_haystack-AbCdEf';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('secures by default: TLS, MSK IAM, acks=all, the original topic', () => {
    const { kafka, deadlineMarginMs } = loadConfig(MINIMAL);

    expect(kafka).toEqual({
      brokers: ['b-1.msk:9098', 'b-2.msk:9098'],
      topic: 'proto-spans',
      deadLetterTopic: 'proto-spans-dlq',
      clientId: 'haystack-kinesis-collector',
      acks: -1,
      compression: 'gzip',
      ssl: true,
      sasl: { mechanism: 'aws-msk-iam', region: 'eu-west-1' },
      connectionTimeoutMs: 5000,
      requestTimeoutMs: 10_000,
      retries: 5,
      maxBatchBytes: 1_000_000,
      maxInFlight: 5,
    });
    expect(deadlineMarginMs).toBe(1000);
  });

  it('reads every variable', () => {
    const { kafka, deadlineMarginMs } = loadConfig({
      KAFKA_BROKERS: ' 127.0.0.1:9092 ',
      KAFKA_TOPIC: 'spans.v1',
      KAFKA_CLIENT_ID: 'collector-a',
      KAFKA_ACKS: '1',
      KAFKA_COMPRESSION: 'GZIP',
      KAFKA_SSL: 'false',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_SECRET_ARN: SECRET,
      KAFKA_CONNECTION_TIMEOUT_MS: '2500',
      KAFKA_REQUEST_TIMEOUT_MS: '4000',
      KAFKA_RETRIES: '0',
      KAFKA_MAX_BATCH_BYTES: '500000',
      KAFKA_MAX_IN_FLIGHT: '2',
      DEADLINE_MARGIN_MS: '250',
    });

    expect(kafka).toMatchObject({
      brokers: ['127.0.0.1:9092'],
      topic: 'spans.v1',
      clientId: 'collector-a',
      acks: 1,
      compression: 'gzip',
      ssl: false,
      sasl: { mechanism: 'scram-sha-512', secretArn: SECRET },
      connectionTimeoutMs: 2500,
      requestTimeoutMs: 4000,
      retries: 0,
      maxBatchBytes: 500_000,
      maxInFlight: 2,
    });
    expect(deadlineMarginMs).toBe(250);
  });

  it('turns dead letters off only when asked to', () => {
    expect(
      loadConfig({ ...MINIMAL, KAFKA_DLQ_TOPIC: 'none' }).kafka.deadLetterTopic,
    ).toBeUndefined();
    expect(loadConfig({ ...MINIMAL, KAFKA_DLQ_TOPIC: 'spans.dead' }).kafka.deadLetterTopic).toBe(
      'spans.dead',
    );
    expect(loadConfig({ ...MINIMAL, KAFKA_DLQ_TOPIC: '' }).kafka.deadLetterTopic).toBe(
      'proto-spans-dlq',
    );
  });

  it('reads a CA bundle from a file', () => {
    const { kafka } = loadConfig({ ...MINIMAL, KAFKA_SSL_CA_FILE: 'package.json' });

    expect(kafka.sslCa).toContain('haystack-kinesis-lambda-collector');
  });

  it.each([
    [{}, 'KAFKA_BROKERS is required'],
    [
      { KAFKA_BROKERS: 'localhost' },
      'KAFKA_BROKERS="localhost" is not accepted: use a comma-separated list of host:port',
    ],
    [{ KAFKA_BROKERS: 'a:1,,b:2' }, 'KAFKA_BROKERS="a:1,,b:2"'],
    [
      { ...MINIMAL, KAFKA_TOPIC: 'spans/with/slashes' },
      'KAFKA_TOPIC="spans/with/slashes" is not accepted',
    ],
    [
      { ...MINIMAL, KAFKA_DLQ_TOPIC: 'dead letters' },
      'KAFKA_DLQ_TOPIC="dead letters" is not accepted: use a Kafka topic name, or none',
    ],
    [
      { ...MINIMAL, KAFKA_DLQ_TOPIC: 'proto-spans' },
      'KAFKA_DLQ_TOPIC="proto-spans" is the span topic',
    ],
    [{ ...MINIMAL, KAFKA_ACKS: '0' }, 'KAFKA_ACKS="0" is not accepted: use all (or -1) or 1'],
    [
      { ...MINIMAL, KAFKA_COMPRESSION: 'brotli' },
      'KAFKA_COMPRESSION="brotli" is not accepted: use one of none, gzip, snappy, lz4, zstd',
    ],
    [{ ...MINIMAL, KAFKA_SSL: 'yes' }, 'KAFKA_SSL="yes" is not accepted: use true or false'],
    [
      { ...MINIMAL, KAFKA_SASL_MECHANISM: 'kerberos' },
      'KAFKA_SASL_MECHANISM="kerberos" is not accepted: use one of none, plain, scram-sha-256, scram-sha-512, aws-msk-iam',
    ],
    [{ KAFKA_BROKERS: 'a:1' }, 'AWS_REGION is required with KAFKA_SASL_MECHANISM=aws-msk-iam'],
    [
      { ...MINIMAL, KAFKA_SASL_MECHANISM: 'scram-sha-512' },
      'KAFKA_SASL_SECRET_ARN is required with KAFKA_SASL_MECHANISM=scram-sha-512',
    ],
    [
      { ...MINIMAL, KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_SECRET_ARN: 'my-secret' },
      'KAFKA_SASL_SECRET_ARN="my-secret" is not a Secrets Manager secret ARN',
    ],
    [
      { ...MINIMAL, KAFKA_REQUEST_TIMEOUT_MS: '10s' },
      'KAFKA_REQUEST_TIMEOUT_MS="10s" is not accepted: use a whole number from 100 to 300000',
    ],
    [
      { ...MINIMAL, KAFKA_MAX_IN_FLIGHT: '0' },
      'KAFKA_MAX_IN_FLIGHT="0" is not accepted: use a whole number from 1 to 100',
    ],
    [{ ...MINIMAL, KAFKA_RETRIES: '-1' }, 'KAFKA_RETRIES="-1" is not accepted'],
    [{ ...MINIMAL, DEADLINE_MARGIN_MS: '1e3' }, 'DEADLINE_MARGIN_MS="1e3" is not accepted'],
    [
      { ...MINIMAL, KAFKA_SSL_CA_FILE: '/nonexistent/ca.pem' },
      'KAFKA_SSL_CA_FILE="/nonexistent/ca.pem" cannot be read',
    ],
    [
      { ...MINIMAL, KAFKA_SSL: 'false', KAFKA_SSL_CA_FILE: 'package.json' },
      'KAFKA_SSL_CA_FILE is set but KAFKA_SSL=false',
    ],
  ])('names the variable and what it accepts: %o', (env, message) => {
    expect(problemsOf(env as Record<string, string>).join('\n')).toContain(message);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({ KAFKA_ACKS: '0', KAFKA_SSL: 'maybe' });

    expect(problems).toHaveLength(4); // brokers, acks, ssl, region
    expect(() => loadConfig({})).toThrow(/Invalid configuration:\n {2}- KAFKA_BROKERS is required/);
  });

  it('refuses zstd where node:zlib lacks it, and takes it where it has it', () => {
    const env = { ...MINIMAL, KAFKA_COMPRESSION: 'zstd' };
    if (zstdAvailable()) {
      expect(loadConfig(env).kafka.compression).toBe('zstd');
    } else {
      expect(problemsOf(env).join()).toContain(
        'KAFKA_COMPRESSION="zstd" needs Node.js 22.15 or later',
      );
    }
  });
});
