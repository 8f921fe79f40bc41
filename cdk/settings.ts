import { existsSync } from 'node:fs';
import path from 'node:path';
import { defaultAssetPath } from './asset.js';
import {
  ALARMS,
  DECORATORS,
  ENVIRONMENT_LIMIT_BYTES,
  FUNCTION,
  KAFKA,
  MAPPING,
  ON_FAILURE,
  STREAM,
  TELEMETRY,
} from './defaults.js';
import { functionEnvironment } from './environment.js';
import { type MskCluster, parseClusterArn } from './msk-arns.js';
import { BROKER, TOPIC } from './patterns.js';
import type {
  AlarmProps,
  CollectorProps,
  FormatProps,
  FunctionProps,
  KafkaAuth,
  MappingProps,
  NetworkProps,
  OnFailureProps,
  ProducerProps,
  SizeGuardProps,
  StreamProps,
  TelemetryProps,
} from './props.js';
import {
  checkAdditionalTags,
  checkFormats,
  checkRoutes,
  checkSizeGuard,
  type ResolvedRoute,
} from './settings-formats.js';

/**
 * Props with every default filled in and every value checked, before any construct exists: a
 * bad setting stops the synth with one message naming each problem and what is accepted,
 * instead of a CloudFormation failure minutes into a deployment.
 */
export interface Settings {
  readonly stream: Required<Pick<StreamProps, 'retentionHours' | 'customerManagedKey'>> &
    StreamProps;
  readonly kafka: {
    readonly bootstrapBrokers: readonly string[];
    readonly topic: string;
    /** undefined when turned off. */
    readonly deadLetterTopic: string | undefined;
    readonly auth: KafkaAuth;
    /** Set in `iam` mode. */
    readonly cluster: MskCluster | undefined;
    readonly producer: ProducerProps;
    /** Tag routes, each with its other cluster parsed when MSK IAM needs it; empty when none. */
    readonly routes: readonly ResolvedRoute[];
  };
  readonly network: NetworkProps;
  readonly function: Required<Omit<FunctionProps, 'functionName' | 'reservedConcurrency'>> &
    Pick<FunctionProps, 'functionName' | 'reservedConcurrency'>;
  readonly mapping: Required<Omit<MappingProps, 'startingPositionTimestamp'>> &
    Pick<MappingProps, 'startingPositionTimestamp'>;
  readonly alarms: Required<Omit<AlarmProps, 'topicArn' | 'email'>> &
    Pick<AlarmProps, 'topicArn' | 'email'>;
  readonly telemetry: Required<TelemetryProps>;
  /** As given: unset ones are left to the function's defaults (the stack writes no variable for them). */
  readonly formats: FormatProps;
  /** As given, like `formats`. */
  readonly sizeGuard: SizeGuardProps;
  /** Empty when none. */
  readonly additionalTags: Readonly<Record<string, string>>;
  /** Absolute path of the bundle directory, checked to hold `handler.js`. */
  readonly assetPath: string;
  readonly onFailure: Required<OnFailureProps>;
}

/** Thrown at synth when the settings are invalid; the message lists every problem. */
export class SettingsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid collector settings:\n  - ${problems.join('\n  - ')}`);
    this.name = 'SettingsError';
  }
}

const STREAM_ARN = /^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/[A-Za-z0-9_.-]{1,128}$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
// The 6-character suffix is required: without it the policy would need a `-??????` wildcard.
const SECRET_ARN =
  /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/;
const SNS_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;
const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const SG_ID = /^sg-[0-9a-f]{8,17}$/;
const NAMESPACE = /^[^:][^:]{0,254}$/;
/** The retention periods CloudWatch Logs accepts. */
const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
];

/** Fills in defaults and validates; throws {@link SettingsError} listing every problem. */
export function resolveSettings(props: CollectorProps): Settings {
  const problems: string[] = [];
  const check = (ok: boolean, message: string): void => {
    if (!ok) problems.push(message);
  };
  const int = (name: string, value: number, min: number, max: number, also?: number): void =>
    check(
      Number.isInteger(value) && ((value >= min && value <= max) || value === also),
      `${name}=${value} is not accepted: use a whole number from ${min} to ${max}${also === undefined ? '' : ` or ${also}`}`,
    );

  const stream = { ...STREAM, ...props.stream };
  if (stream.arn !== undefined) {
    check(STREAM_ARN.test(stream.arn), `stream.arn="${stream.arn}" is not a Kinesis stream ARN`);
    for (const key of ['name', 'shardCount', 'customerManagedKey'] as const) {
      check(
        props.stream?.[key] === undefined,
        `stream.${key} applies to a new stream only; remove it or remove stream.arn`,
      );
    }
    check(
      props.stream?.retentionHours === undefined,
      'stream.retentionHours applies to a new stream only',
    );
  } else {
    check(
      stream.encryptionKeyArn === undefined,
      'stream.encryptionKeyArn applies to an existing stream (stream.arn) only',
    );
    if (stream.shardCount !== undefined) int('stream.shardCount', stream.shardCount, 1, 10_000);
    int('stream.retentionHours', stream.retentionHours, 24, 8760);
  }
  if (stream.encryptionKeyArn !== undefined) {
    check(
      KMS_KEY_ARN.test(stream.encryptionKeyArn),
      `stream.encryptionKeyArn="${stream.encryptionKeyArn}" is not a KMS key ARN`,
    );
  }

  const kafkaProps = props.kafka;
  const brokers = kafkaProps?.bootstrapBrokers ?? [];
  check(
    brokers.length > 0 && brokers.every((b) => BROKER.test(b)),
    `kafka.bootstrapBrokers=${JSON.stringify(brokers)} is not accepted: use a non-empty list of host:port`,
  );
  const topic = kafkaProps?.topic ?? KAFKA.topic;
  check(TOPIC.test(topic), `kafka.topic="${topic}" is not a Kafka topic name`);
  const dlqSetting = (kafkaProps?.deadLetterTopic ?? KAFKA.deadLetterTopic).trim();
  const deadLetterTopic =
    dlqSetting === '' || dlqSetting.toLowerCase() === 'none' ? undefined : dlqSetting;
  if (deadLetterTopic !== undefined) {
    check(
      TOPIC.test(deadLetterTopic),
      `kafka.deadLetterTopic="${deadLetterTopic}" is not a Kafka topic name (or none)`,
    );
    check(deadLetterTopic !== topic, 'kafka.deadLetterTopic must differ from kafka.topic');
  }
  const auth: KafkaAuth = kafkaProps?.auth ?? ({ mode: undefined } as unknown as KafkaAuth);
  let cluster: MskCluster | undefined;
  switch (auth.mode) {
    case 'iam':
      cluster = parseClusterArn(auth.clusterArn ?? '');
      check(
        cluster !== undefined,
        `kafka.auth.clusterArn="${auth.clusterArn}" is not an MSK cluster ARN (arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>)`,
      );
      break;
    case 'scram':
      check(
        SECRET_ARN.test(auth.secretArn ?? ''),
        `kafka.auth.secretArn="${auth.secretArn}" is not a complete Secrets Manager secret ARN (with its 6-character suffix)`,
      );
      check(
        KMS_KEY_ARN.test(auth.secretKeyArn ?? ''),
        `kafka.auth.secretKeyArn="${auth.secretKeyArn}" is not a KMS key ARN`,
      );
      check(
        auth.mechanism === undefined ||
          ['scram-sha-512', 'scram-sha-256', 'plain'].includes(auth.mechanism),
        `kafka.auth.mechanism="${auth.mechanism}" is not accepted: use scram-sha-512, scram-sha-256 or plain`,
      );
      break;
    case 'tls':
      if (auth.caCertificateFile !== undefined) {
        check(
          existsSync(auth.caCertificateFile),
          `kafka.auth.caCertificateFile="${auth.caCertificateFile}" does not exist`,
        );
      }
      break;
    case 'plaintext':
      break;
    default:
      problems.push(
        `kafka.auth.mode="${(auth as { mode?: string }).mode}" is not accepted: use iam, scram, tls or plaintext`,
      );
  }
  const producer = kafkaProps?.producer ?? {};
  checkProducer(producer, int, check);
  const routes = checkRoutes(kafkaProps?.routes, { topic, deadLetterTopic, auth, cluster }, check);

  const network = props.network ?? { vpcId: '', subnetIds: [], securityGroupIds: [] };
  check(
    VPC_ID.test(network.vpcId ?? ''),
    `network.vpcId="${network.vpcId}" is not a VPC ID (vpc-…)`,
  );
  const subnets = network.subnetIds ?? [];
  check(
    subnets.length > 0 && subnets.every((s) => SUBNET_ID.test(s)),
    `network.subnetIds=${JSON.stringify(subnets)} is not a non-empty list of subnet IDs`,
  );
  const groups = network.securityGroupIds ?? [];
  check(
    groups.length > 0 && groups.length <= 5 && groups.every((s) => SG_ID.test(s)),
    `network.securityGroupIds=${JSON.stringify(groups)} is not a list of 1-5 security group IDs`,
  );

  const fn = { ...FUNCTION, ...props.function };
  int('function.memoryMb', fn.memoryMb, 128, 10_240);
  int('function.timeoutSeconds', fn.timeoutSeconds, 1, 900);
  check(
    LOG_RETENTION_DAYS.includes(fn.logRetentionDays),
    `function.logRetentionDays=${fn.logRetentionDays} is not accepted: use one of ${LOG_RETENTION_DAYS.join(', ')}`,
  );
  if (fn.reservedConcurrency !== undefined)
    int('function.reservedConcurrency', fn.reservedConcurrency, 1, 10_000);
  check(
    ['DEBUG', 'INFO', 'WARN', 'ERROR'].includes(fn.logLevel),
    `function.logLevel="${fn.logLevel}" is not accepted: use DEBUG, INFO, WARN or ERROR`,
  );
  const margin = producer.deadlineMarginMs ?? 1000;
  check(
    margin < fn.timeoutSeconds * 1000,
    `kafka.producer.deadlineMarginMs=${margin} must be shorter than the function timeout`,
  );

  const mapping = { ...MAPPING, ...props.mapping };
  int('mapping.batchSize', mapping.batchSize, 1, 10_000);
  int('mapping.maxBatchingWindowSeconds', mapping.maxBatchingWindowSeconds, 0, 300);
  int('mapping.parallelizationFactor', mapping.parallelizationFactor, 1, 10);
  int('mapping.retryAttempts', mapping.retryAttempts, 0, 10_000, -1);
  int('mapping.maxRecordAgeSeconds', mapping.maxRecordAgeSeconds, 60, 604_800, -1);
  check(
    mapping.retryAttempts !== -1 || mapping.maxRecordAgeSeconds !== -1,
    'mapping.retryAttempts and mapping.maxRecordAgeSeconds are both -1: a failing record would block its shard until the stream drops it; bound at least one',
  );
  if (stream.arn === undefined && mapping.maxRecordAgeSeconds !== -1) {
    check(
      mapping.maxRecordAgeSeconds < stream.retentionHours * 3600,
      `mapping.maxRecordAgeSeconds=${mapping.maxRecordAgeSeconds} must be shorter than the stream's retention (${stream.retentionHours} h), or records expire before they are given up and reported`,
    );
  }
  check(
    ['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'].includes(mapping.startingPosition),
    `mapping.startingPosition="${mapping.startingPosition}" is not accepted: use TRIM_HORIZON, LATEST or AT_TIMESTAMP`,
  );
  check(
    (mapping.startingPosition === 'AT_TIMESTAMP') ===
      (mapping.startingPositionTimestamp !== undefined),
    'mapping.startingPositionTimestamp is required with AT_TIMESTAMP and only with it',
  );

  const alarms = { ...ALARMS, ...props.alarms };
  if (alarms.topicArn !== undefined)
    check(
      SNS_ARN.test(alarms.topicArn),
      `alarms.topicArn="${alarms.topicArn}" is not an SNS topic ARN`,
    );
  if (alarms.email !== undefined)
    check(
      /^[^@\s]+@[^@\s]+$/.test(alarms.email),
      `alarms.email="${alarms.email}" is not an e-mail address`,
    );
  for (const key of [
    'iteratorAgeMs',
    'errors',
    'throttles',
    'onFailureMessages',
    'invalidSpans',
    'deadLetteredSpans',
    'produceFailures',
    'routeFailures',
    'droppedEvents',
    'onFailureEvents',
  ] as const) {
    int(`alarms.${key}`, alarms[key], 1, Number.MAX_SAFE_INTEGER);
  }

  const telemetry = { ...TELEMETRY, ...props.telemetry };
  check(
    NAMESPACE.test(telemetry.metricsNamespace),
    `telemetry.metricsNamespace="${telemetry.metricsNamespace}" is not a CloudWatch namespace`,
  );
  check(telemetry.serviceName.trim() !== '', 'telemetry.serviceName must not be empty');

  const formats = props.formats ?? {};
  checkFormats(formats, int, check);
  const sizeGuard = props.sizeGuard ?? {};
  checkSizeGuard(sizeGuard, int, check);
  const additionalTags = props.additionalTags ?? DECORATORS.additionalTags;
  checkAdditionalTags(props.additionalTags, check);

  const onFailure = {
    destination: props.onFailure?.destination ?? ON_FAILURE.destination,
    expiryDays: props.onFailure?.expiryDays ?? ON_FAILURE.expiryDays,
  };
  check(
    ['s3', 'sqs'].includes(onFailure.destination),
    `onFailure.destination="${onFailure.destination}" is not accepted: use s3 or sqs`,
  );
  int('onFailure.expiryDays', onFailure.expiryDays, 1, 3650);
  check(
    onFailure.destination === 's3' || props.onFailure?.expiryDays === undefined,
    'onFailure.expiryDays applies to the s3 destination only (the queue keeps messages 14 days)',
  );

  const assetPath = path.resolve(props.assetPath ?? defaultAssetPath());
  check(
    existsSync(path.join(assetPath, 'handler.js')),
    `${path.join(assetPath, 'handler.js')} does not exist: run \`npm run build\` first (the stack deploys the prebuilt bundle)`,
  );

  if (problems.length > 0) throw new SettingsError(problems);
  const settings: Settings = {
    stream,
    kafka: { bootstrapBrokers: brokers, topic, deadLetterTopic, auth, cluster, producer, routes },
    network,
    function: fn,
    mapping,
    alarms,
    telemetry,
    formats,
    sizeGuard,
    additionalTags,
    assetPath,
    onFailure,
  };
  // Routes and tags can be long; checked last, on the environment that would be deployed.
  const environmentBytes = Buffer.byteLength(JSON.stringify(functionEnvironment(settings)));
  if (environmentBytes > ENVIRONMENT_LIMIT_BYTES) {
    throw new SettingsError([
      `the function's environment is ${environmentBytes} bytes, over Lambda's limit of ${ENVIRONMENT_LIMIT_BYTES}: shorten or remove kafka.routes, additionalTags or sizeGuard lists`,
    ]);
  }
  return settings;
}

function checkProducer(
  producer: ProducerProps,
  int: (name: string, value: number, min: number, max: number) => void,
  check: (ok: boolean, message: string) => void,
): void {
  const ranges: Array<[keyof ProducerProps, number, number]> = [
    ['connectionTimeoutMs', 100, 60_000],
    ['requestTimeoutMs', 100, 300_000],
    ['retries', 0, 100],
    ['maxBatchBytes', 1024, 100_000_000],
    ['maxInFlight', 1, 100],
    ['deadlineMarginMs', 0, 60_000],
  ];
  for (const [key, min, max] of ranges) {
    const value = producer[key];
    if (value !== undefined) int(`kafka.producer.${key}`, value as number, min, max);
  }
  if (producer.acks !== undefined)
    check(
      ['all', '1'].includes(producer.acks),
      `kafka.producer.acks="${producer.acks}" is not accepted: use all or 1`,
    );
  if (producer.compression !== undefined) {
    check(
      ['none', 'gzip', 'snappy', 'lz4', 'zstd'].includes(producer.compression),
      `kafka.producer.compression="${producer.compression}" is not accepted: use none, gzip, snappy, lz4 or zstd`,
    );
  }
}
