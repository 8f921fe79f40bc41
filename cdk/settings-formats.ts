import { DECORATORS } from './defaults.js';
import { type MskCluster, parseClusterArn } from './msk-arns.js';
import { BROKER, TOPIC } from './patterns.js';
import type {
  FormatProps,
  InputFormat,
  KafkaAuth,
  OutputFormat,
  RouteProps,
  SizeGuardProps,
} from './props.js';

/**
 * Checks of the formats, size guard, additional tags and routes settings. They accept what the
 * function's own parser (lambda/config-formats.ts) accepts, minus what typed props rule out, plus
 * what only the stack can know (IAM needs each route cluster's ARN), so a value the function
 * would refuse at cold start stops the synth instead.
 */

/** Records a problem when `ok` is false. */
export type Check = (ok: boolean, message: string) => void;
/** Checks a whole number in a range, naming the setting. */
export type IntCheck = (name: string, value: number, min: number, max: number) => void;

/** The input formats the function reads (lambda/formats/decoders.ts; a test holds them equal). */
export const INPUT_FORMATS: readonly InputFormat[] = [
  'haystack-span',
  'haystack-batch',
  'haystack-json',
  'otlp-proto',
  'otlp-json',
];

/** The output formats the function writes (lambda/outputs/output-formats.ts; a test holds them equal). */
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['proto', 'json', 'otlp-proto', 'otlp-json'];
/** Routes are named in metrics (`routed.span.<name>`): the function's own pattern. */
const ROUTE_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** A route with its other cluster parsed, when the policy must name that cluster. */
export interface ResolvedRoute extends RouteProps {
  /** The other cluster (`clusterArn`) with MSK IAM; undefined on the main cluster or without IAM. */
  readonly cluster: MskCluster | undefined;
}

/** Checks `formats`. */
export function checkFormats(formats: FormatProps, int: IntCheck, check: Check): void {
  if (formats.input !== undefined) {
    check(
      INPUT_FORMATS.includes(formats.input),
      `formats.input="${formats.input}" is not accepted: use one of ${INPUT_FORMATS.join(', ')}`,
    );
  }
  if (formats.output !== undefined) {
    check(
      OUTPUT_FORMATS.includes(formats.output),
      `formats.output="${formats.output}" is not accepted: use one of ${OUTPUT_FORMATS.join(', ')}`,
    );
  }
  if (formats.maxDecompressedBytes !== undefined) {
    int('formats.maxDecompressedBytes', formats.maxDecompressedBytes, 1024, 256 * 1024 * 1024);
  }
}

/** Checks `sizeGuard`. */
export function checkSizeGuard(guard: SizeGuardProps, int: IntCheck, check: Check): void {
  for (const key of ['enable', 'logOnly'] as const) {
    const value = guard[key];
    check(
      value === undefined || typeof value === 'boolean',
      `sizeGuard.${key}=${JSON.stringify(value)} is not accepted: use true or false`,
    );
  }
  if (guard.maxBytes !== undefined) int('sizeGuard.maxBytes', guard.maxBytes, 1, 100_000_000);
  for (const key of ['skipTags', 'skipServices'] as const) {
    const value: unknown = guard[key];
    check(
      value === undefined ||
        (Array.isArray(value) && value.every((item) => typeof item === 'string' && item !== '')),
      `sizeGuard.${key}=${JSON.stringify(value)} is not accepted: use a list of non-empty strings ([] for none)`,
    );
  }
  for (const key of ['infoTagKey', 'infoTagValue'] as const) {
    const value: unknown = guard[key];
    // The function trims the variable and takes a blank one as unset: either would change the tag in silence.
    check(
      value === undefined || (typeof value === 'string' && value !== '' && value === value.trim()),
      `sizeGuard.${key}=${JSON.stringify(value)} is not accepted: use a non-empty string without leading or trailing spaces`,
    );
  }
  // Without `enable` the other keys do nothing, and a deployer who set a limit expects it to act.
  const others = Object.entries(guard)
    .filter(([key, value]) => key !== 'enable' && value !== undefined)
    .map(([key]) => key);
  check(
    guard.enable !== undefined || others.length === 0,
    `sizeGuard.${others.join(', sizeGuard.')} only act when the guard is on: give sizeGuard.enable (true, or false to keep them for later)`,
  );
}

/** Checks `additionalTags`: an object of non-empty keys to strings. */
export function checkAdditionalTags(tags: unknown, check: Check): void {
  if (tags === undefined) return;
  const problem = stringRecordProblem(tags);
  check(
    problem === undefined,
    `additionalTags${problem}: use an object of tag keys to string values, e.g. {"X-HAYSTACK-ENV":"prod"}`,
  );
}

/** The main cluster's settings a route is checked against. */
export interface MainCluster {
  readonly topic: string;
  readonly deadLetterTopic: string | undefined;
  readonly auth: KafkaAuth;
  /** Parsed `kafka.auth.clusterArn` in `iam` mode. */
  readonly cluster: MskCluster | undefined;
}

/** Checks `kafka.routes` and resolves each route's other cluster for the IAM policy. */
export function checkRoutes(routes: unknown, main: MainCluster, check: Check): ResolvedRoute[] {
  if (routes === undefined) return [...DECORATORS.routes];
  if (!Array.isArray(routes)) {
    check(
      false,
      'kafka.routes is not accepted: use a list of {name, topic, tags, brokers?, clusterArn?, output?}',
    );
    return [];
  }
  check(
    routes.length <= DECORATORS.maxRoutes,
    `kafka.routes has ${routes.length} routes: at most ${DECORATORS.maxRoutes} are accepted`,
  );
  const resolved: ResolvedRoute[] = [];
  const names = new Set<string>();
  /** Broker list -> the clusterArn the first route with it gave. */
  const clusterOfBrokers = new Map<string, string | undefined>();
  for (const [i, item] of routes.entries()) {
    const at = `kafka.routes[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      check(
        false,
        `${at} is not accepted: use {name, topic, tags, brokers?, clusterArn?, output?}`,
      );
      continue;
    }
    const route = item as RouteProps;
    const { name, topic, tags, brokers, clusterArn, output } = route;
    check(
      typeof name === 'string' && ROUTE_NAME.test(name),
      `${at}.name=${JSON.stringify(name)} is not accepted: use 1-64 of a-z A-Z 0-9 _ - (it names the route's metric)`,
    );
    check(
      !names.has(name),
      `${at}.name="${name}" is used by an earlier route: names must be unique`,
    );
    names.add(name);
    check(
      typeof topic === 'string' && TOPIC.test(topic),
      `${at}.topic=${JSON.stringify(topic)} is not a Kafka topic name`,
    );
    check(
      output === undefined || OUTPUT_FORMATS.includes(output),
      `${at}.output=${JSON.stringify(output)} is not accepted: use one of ${OUTPUT_FORMATS.join(', ')} (absent: formats.output)`,
    );
    const tagsProblem = stringRecordProblem(tags);
    check(
      tagsProblem === undefined,
      `${at}.tags${tagsProblem}: use an object of tag keys to string values ({} routes every span)`,
    );
    if (brokers === undefined) {
      check(
        topic !== main.topic && topic !== main.deadLetterTopic,
        `${at}.topic="${topic}" already gets every span or dead letter on the main cluster: use another topic`,
      );
    } else {
      check(
        Array.isArray(brokers) &&
          brokers.length > 0 &&
          brokers.every((b) => typeof b === 'string' && BROKER.test(b)),
        `${at}.brokers=${JSON.stringify(brokers)} is not accepted: use a non-empty list of host:port`,
      );
      const key = Array.isArray(brokers) ? brokers.join(',') : String(brokers);
      if (clusterOfBrokers.has(key)) {
        check(
          clusterOfBrokers.get(key) === clusterArn,
          `${at}.clusterArn differs from an earlier route with the same brokers: one cluster has one ARN`,
        );
      } else {
        clusterOfBrokers.set(key, clusterArn);
      }
    }
    resolved.push({ ...route, cluster: routeCluster(route, at, main, check) });
  }
  return resolved;
}

/** The other cluster of a route, parsed, when MSK IAM needs it; checks `clusterArn`. */
function routeCluster(
  { brokers, clusterArn }: RouteProps,
  at: string,
  main: MainCluster,
  check: Check,
): MskCluster | undefined {
  if (clusterArn === undefined) {
    check(
      brokers === undefined || main.auth.mode !== 'iam',
      `${at}.clusterArn is required: the route writes to another cluster (brokers) with MSK IAM, and the policy names that cluster and its topic by ARN`,
    );
    return undefined;
  }
  if (brokers === undefined) {
    check(
      false,
      `${at}.clusterArn applies only with brokers: a route without brokers writes to the main cluster (kafka.auth.clusterArn)`,
    );
    return undefined;
  }
  if (main.auth.mode !== 'iam') {
    check(
      false,
      `${at}.clusterArn applies with kafka.auth.mode iam only: it scopes the IAM policy, which ${main.auth.mode} does not use`,
    );
    return undefined;
  }
  const cluster = parseClusterArn(clusterArn);
  if (cluster === undefined) {
    check(
      false,
      `${at}.clusterArn="${clusterArn}" is not an MSK cluster ARN (arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>)`,
    );
    return undefined;
  }
  if (main.cluster !== undefined) {
    check(
      cluster.partition === main.cluster.partition && cluster.region === main.cluster.region,
      `${at}.clusterArn is in ${cluster.region}, the main cluster in ${main.cluster.region}: the function signs MSK IAM tokens for its own region only, which brokers elsewhere refuse`,
    );
  }
  return cluster;
}

/**
 * Why `value` is not an object of non-empty keys to strings, as the end of a message that
 * starts with the setting's name; undefined when it is one.
 */
function stringRecordProblem(value: unknown): string | undefined {
  if (value === undefined) return ' is missing';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `=${JSON.stringify(value)} is not an object`;
  }
  for (const [key, v] of Object.entries(value)) {
    if (key === '') return ' has an empty key';
    if (typeof v !== 'string') return `["${key}"]=${JSON.stringify(v)} is not a string`;
  }
  return undefined;
}
