import type { Settings } from './settings.js';

/** Where a TLS CA bundle from `kafka.auth.caCertificateFile` lands: layers unpack under /opt. */
export const CA_BUNDLE_PATH = '/opt/kafka-ca/ca.pem';

/**
 * The function's environment, built from the settings only (names and defaults in
 * lambda/config.ts). Secrets are never in it: SCRAM credentials are named by their secret's
 * ARN and read at cold start. The core variables are always written, even when equal to the
 * function's own defaults, because `sam local invoke --env-vars` only overrides variables
 * the template declares.
 */
export function functionEnvironment(settings: Settings): Record<string, string> {
  const { kafka, function: fn, telemetry } = settings;
  const env: Record<string, string> = {
    KAFKA_BROKERS: kafka.bootstrapBrokers.join(','),
    KAFKA_TOPIC: kafka.topic,
    KAFKA_DLQ_TOPIC: kafka.deadLetterTopic ?? 'none',
    ...authEnvironment(settings),
    POWERTOOLS_SERVICE_NAME: telemetry.serviceName,
    POWERTOOLS_METRICS_NAMESPACE: telemetry.metricsNamespace,
    POWERTOOLS_LOG_LEVEL: fn.logLevel,
    // The bundle ships its source map; without this flag stack traces point into minified code.
    NODE_OPTIONS: '--enable-source-maps',
  };
  const p = kafka.producer;
  const optional: Array<[string, string | number | undefined]> = [
    ['KAFKA_CLIENT_ID', p.clientId],
    ['KAFKA_ACKS', p.acks],
    ['KAFKA_COMPRESSION', p.compression],
    ['KAFKA_CONNECTION_TIMEOUT_MS', p.connectionTimeoutMs],
    ['KAFKA_REQUEST_TIMEOUT_MS', p.requestTimeoutMs],
    ['KAFKA_RETRIES', p.retries],
    ['KAFKA_MAX_BATCH_BYTES', p.maxBatchBytes],
    ['KAFKA_MAX_IN_FLIGHT', p.maxInFlight],
    ['DEADLINE_MARGIN_MS', p.deadlineMarginMs],
  ];
  for (const [name, value] of optional) if (value !== undefined) env[name] = String(value);
  return env;
}

function authEnvironment({ kafka: { auth } }: Settings): Record<string, string> {
  switch (auth.mode) {
    case 'iam':
      return { KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'aws-msk-iam' };
    case 'scram':
      return {
        KAFKA_SSL: 'true',
        KAFKA_SASL_MECHANISM: auth.mechanism ?? 'scram-sha-512',
        KAFKA_SASL_SECRET_ARN: auth.secretArn,
      };
    case 'tls':
      return {
        KAFKA_SSL: 'true',
        KAFKA_SASL_MECHANISM: 'none',
        ...(auth.caCertificateFile === undefined ? {} : { KAFKA_SSL_CA_FILE: CA_BUNDLE_PATH }),
      };
    case 'plaintext':
      return { KAFKA_SSL: 'false', KAFKA_SASL_MECHANISM: 'none' };
  }
}
