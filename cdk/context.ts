import { readFileSync } from 'node:fs';
import type { Environment } from 'aws-cdk-lib';
import type { Node } from 'constructs';
import { STACK_NAME } from './defaults.js';
import type { CollectorProps } from './props.js';

/** The context key holding the settings: an object (in cdk.json) or the path of a JSON file. */
export const CONTEXT_KEY = 'collector';

/** What the app needs from the context: the stack's identity and the collector's settings. */
export interface AppSettings {
  readonly stackName: string;
  /** Account and region to pin the stack to; omitted, the stack is environment-agnostic. */
  readonly env?: Environment;
  readonly tags: Record<string, string>;
  readonly collector: CollectorProps;
}

/**
 * Keys each section accepts. The context is untyped JSON, so a misspelt key (`batchsize`) would
 * otherwise be ignored in silence and its default deployed; here it stops the synth.
 */
const KEYS: Record<string, readonly string[]> = {
  '': [
    'stackName',
    'env',
    'tags',
    'stream',
    'kafka',
    'network',
    'function',
    'mapping',
    'alarms',
    'telemetry',
    'formats',
    'sizeGuard',
    'additionalTags',
    'assetPath',
    'onFailure',
  ],
  env: ['account', 'region'],
  stream: ['arn', 'encryptionKeyArn', 'name', 'shardCount', 'retentionHours', 'customerManagedKey'],
  kafka: ['bootstrapBrokers', 'topic', 'deadLetterTopic', 'auth', 'producer', 'routes'],
  // Each item of the list; its `tags` are free-form, like `additionalTags`.
  'kafka.routes[]': ['name', 'topic', 'tags', 'brokers', 'clusterArn', 'output'],
  'kafka.auth': [
    'mode',
    'clusterArn',
    'secretArn',
    'secretKeyArn',
    'mechanism',
    'caCertificateFile',
  ],
  'kafka.producer': [
    'clientId',
    'acks',
    'compression',
    'connectionTimeoutMs',
    'requestTimeoutMs',
    'retries',
    'maxBatchBytes',
    'maxInFlight',
    'deadlineMarginMs',
  ],
  network: ['vpcId', 'subnetIds', 'securityGroupIds'],
  function: [
    'functionName',
    'memoryMb',
    'timeoutSeconds',
    'reservedConcurrency',
    'logRetentionDays',
    'logLevel',
  ],
  mapping: [
    'batchSize',
    'maxBatchingWindowSeconds',
    'parallelizationFactor',
    'startingPosition',
    'startingPositionTimestamp',
    'bisectBatchOnError',
    'retryAttempts',
    'maxRecordAgeSeconds',
    'enhancedFanOut',
  ],
  alarms: [
    'topicArn',
    'email',
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
  ],
  telemetry: ['metricsNamespace', 'serviceName'],
  onFailure: ['destination', 'expiryDays'],
  formats: ['input', 'output', 'maxDecompressedBytes'],
  sizeGuard: [
    'enable',
    'logOnly',
    'maxBytes',
    'skipTags',
    'skipServices',
    'infoTagKey',
    'infoTagValue',
  ],
};

/**
 * Reads the `collector` context: `cdk.json`'s object, or `-c collector=path/to/settings.json`.
 * Values are checked by the stack (settings.ts); here only the shape, so typos are caught.
 */
export function appSettingsFromContext(node: Node): AppSettings {
  const raw: unknown = node.tryGetContext(CONTEXT_KEY);
  if (raw === undefined) {
    throw new Error(
      `No "${CONTEXT_KEY}" context: set it in cdk.json or pass -c ${CONTEXT_KEY}=<settings.json> (see docs/deploy.md)`,
    );
  }
  const value = typeof raw === 'string' ? readJson(raw) : raw;
  const problems: string[] = [];
  checkKeys(value, '', problems);
  if (problems.length > 0)
    throw new Error(`Invalid "${CONTEXT_KEY}" context:\n  - ${problems.join('\n  - ')}`);
  const { stackName, env, tags, ...collector } = value as Record<string, unknown>;
  return {
    stackName: typeof stackName === 'string' && stackName ? stackName : STACK_NAME,
    env: env as Environment | undefined,
    tags: (tags ?? {}) as Record<string, string>,
    collector: collector as unknown as CollectorProps,
  };
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(
      `-c ${CONTEXT_KEY}=${file}: cannot read it as JSON: ${(error as Error).message}`,
    );
  }
}

/**
 * Checks the keys of `value` against `KEYS[section]`, and of its sections below. `at` is the
 * path shown in messages: the same as `section` but with the index of a list item
 * (`kafka.routes[1]`, looked up as `kafka.routes[]`). Sections without an entry (`tags`,
 * `additionalTags`, a route's `tags`) are free-form.
 */
function checkKeys(value: unknown, section: string, problems: string[], at = section): void {
  if (Array.isArray(value) && KEYS[`${section}[]`] !== undefined) {
    value.forEach((item, i) => {
      checkKeys(item, `${section}[]`, problems, `${at}[${i}]`);
    });
    return;
  }
  const allowed = KEYS[section];
  if (allowed === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push(`${at || CONTEXT_KEY} must be an object`);
    return;
  }
  for (const [key, child] of Object.entries(value)) {
    const path = at ? `${at}.${key}` : key;
    if (!allowed.includes(key)) {
      problems.push(
        `${path} is not a known setting (known in ${at || CONTEXT_KEY}: ${allowed.join(', ')})`,
      );
    } else {
      checkKeys(child, section ? `${section}.${key}` : key, problems, path);
    }
  }
}
