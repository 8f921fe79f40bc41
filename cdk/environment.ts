import type { Settings } from './settings.js';

/** Where a TLS CA bundle from `kafka.auth.caCertificateFile` lands: layers unpack under /opt. */
export const CA_BUNDLE_PATH = '/opt/kafka-ca/ca.pem';

/**
 * The function's environment, built from the settings only (names and defaults in
 * lambda/config.ts and lambda/config-formats.ts). Secrets are never in it: SCRAM credentials
 * are named by their secret's ARN and read at cold start. The core variables are always
 * written, even when equal to the function's own defaults, because `sam local invoke
 * --env-vars` only overrides variables the template declares. The others (producer, formats,
 * size guard, tags, routes) only when their setting is given, so the function's defaults apply.
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
  const optional: Array<[string, string | number | boolean | undefined]> = [
    ['KAFKA_CLIENT_ID', p.clientId],
    ['KAFKA_ACKS', p.acks],
    ['KAFKA_COMPRESSION', p.compression],
    ['KAFKA_CONNECTION_TIMEOUT_MS', p.connectionTimeoutMs],
    ['KAFKA_REQUEST_TIMEOUT_MS', p.requestTimeoutMs],
    ['KAFKA_RETRIES', p.retries],
    ['KAFKA_MAX_BATCH_BYTES', p.maxBatchBytes],
    ['KAFKA_MAX_IN_FLIGHT', p.maxInFlight],
    ['DEADLINE_MARGIN_MS', p.deadlineMarginMs],
    ...formatEnvironment(settings),
  ];
  for (const [name, value] of optional) if (value !== undefined) env[name] = String(value);
  return env;
}

/**
 * The formats, size guard, additional tags and routes variables; undefined when not set. Lists
 * are written as JSON arrays, which the function reads as they are, so a tag key holding a
 * comma stays one key, and `[]` (keep no tag when truncating) differs from unset.
 */
function formatEnvironment({
  formats,
  sizeGuard: guard,
  additionalTags,
  kafka: { routes },
}: Settings): Array<[string, string | number | boolean | undefined]> {
  const json = (value: unknown): string | undefined =>
    value === undefined ? undefined : JSON.stringify(value);
  return [
    ['INPUT_FORMAT', formats.input],
    ['MAX_DECOMPRESSED_BYTES', formats.maxDecompressedBytes],
    ['OUTPUT_FORMAT', formats.output],
    ['SIZE_GUARD_ENABLE', guard.enable],
    ['SIZE_GUARD_LOG_ONLY', guard.logOnly],
    ['SIZE_GUARD_MAX_BYTES', guard.maxBytes],
    ['SIZE_GUARD_SKIP_TAGS', json(guard.skipTags)],
    ['SIZE_GUARD_SKIP_SERVICES', json(guard.skipServices)],
    ['SIZE_GUARD_INFO_TAG_KEY', guard.infoTagKey],
    ['SIZE_GUARD_INFO_TAG_VALUE', guard.infoTagValue],
    // None is the function's default: an empty object or list is not written at all.
    ['ADDITIONAL_TAGS', Object.keys(additionalTags).length > 0 ? json(additionalTags) : undefined],
    [
      'ROUTES',
      routes.length > 0
        ? // Only what the function reads: clusterArn is for the IAM policy, not the function.
          json(
            routes.map(({ name, topic, tags, brokers, output }) => ({
              name,
              topic,
              tags,
              ...(brokers === undefined ? {} : { brokers }),
              ...(output === undefined ? {} : { output }),
            })),
          )
        : undefined,
    ],
  ];
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
