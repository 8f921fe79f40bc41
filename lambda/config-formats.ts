import { type AdditionalTags, prepareAdditionalTags } from './decorators/additional-tags.js';
import type { Route } from './decorators/routes.js';
import {
  DEFAULT_INFO_TAG_KEY,
  DEFAULT_INFO_TAG_VALUE,
  type SizeGuardSettings,
} from './decorators/size-guard.js';
import { BROKER, type Env, EnvReader, TOPIC_NAME } from './env-reader.js';
import { INPUT_FORMATS, type InputFormat } from './formats/decoders.js';
import { OUTPUT_FORMATS, type OutputFormat } from './outputs/output-formats.js';

/**
 * Configuration of input formats, decorators and routes: the environment variables of issue 6,
 * read once at cold start like lambda/config.ts reads the rest. Each default is documented
 * where it is declared; every problem is appended to `problems` with the variable's name and
 * what it accepts, so config.ts can report them with its own in one error.
 */
export interface FormatSettings {
  /** `INPUT_FORMAT`, default `haystack-span`: what one (decompressed) user record holds. */
  inputFormat: InputFormat;
  /**
   * `MAX_DECOMPRESSED_BYTES`, default 10485760 (10 MiB, a Kinesis record's own maximum): the
   * most bytes a gzip/zlib record may inflate to; a larger one is refused, never expanded.
   */
  maxDecompressedBytes: number;
  /**
   * `OUTPUT_FORMAT`, default `proto`: the span bytes; `json`: the original's JSON of the span;
   * `otlp-proto` / `otlp-json`: OpenTelemetry, one message per trace (lambda/outputs/). Routes
   * without an `output` of their own use it too.
   */
  outputFormat: OutputFormat;
  /** `SIZE_GUARD_*`: the original's span size guard, off by default. */
  sizeGuard: SizeGuardSettings;
  /** `ADDITIONAL_TAGS`, default none: string tags added to spans that lack them. */
  additionalTags: AdditionalTags;
  /** `ROUTES`, default none: extra topics for spans carrying given tags. */
  routes: Route[];
}

export const DEFAULT_MAX_DECOMPRESSED_BYTES = 10 * 1024 * 1024;
/** Routes are named in metrics (`routed.span.<name>`), so names are short and metric-safe. */
const ROUTE_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
/** Each route on another cluster holds a producer of its own; a handful is plenty. */
const MAX_ROUTES = 16;

/** Reads every variable of this file; never throws, appends problems instead. */
export function readFormatSettings(env: Env, problems: string[]): FormatSettings {
  const read = new EnvReader(env, problems);
  const lowerList = (name: string, fallback: readonly string[]): string[] => {
    const v = read.optional(name);
    if (v === undefined) return [...fallback];
    const list = readList(v);
    if (list === undefined) {
      problems.push(
        `${name}="${v}" is not accepted: use a comma-separated list or a JSON array of strings ([] for none)`,
      );
      return [...fallback];
    }
    return list.map((item) => item.toLowerCase()); // the original lower-cases both sides
  };

  return {
    inputFormat: read.oneOf('INPUT_FORMAT', 'haystack-span', INPUT_FORMATS),
    maxDecompressedBytes: read.int(
      'MAX_DECOMPRESSED_BYTES',
      DEFAULT_MAX_DECOMPRESSED_BYTES,
      1024,
      256 * 1024 * 1024,
    ),
    outputFormat: read.oneOf<OutputFormat>('OUTPUT_FORMAT', 'proto', OUTPUT_FORMATS),
    sizeGuard: {
      enable: read.bool('SIZE_GUARD_ENABLE', false),
      logOnly: read.bool('SIZE_GUARD_LOG_ONLY', false),
      maxSizeBytes: read.int('SIZE_GUARD_MAX_BYTES', 5000, 1, 100_000_000),
      skipTags: lowerList('SIZE_GUARD_SKIP_TAGS', ['error']),
      skipServices: lowerList('SIZE_GUARD_SKIP_SERVICES', []),
      infoTagKey: read.string('SIZE_GUARD_INFO_TAG_KEY', DEFAULT_INFO_TAG_KEY),
      infoTagValue: read.string('SIZE_GUARD_INFO_TAG_VALUE', DEFAULT_INFO_TAG_VALUE),
    },
    additionalTags: prepareAdditionalTags(
      readAdditionalTags(read.optional('ADDITIONAL_TAGS'), problems),
    ),
    routes: readRoutes(read.optional('ROUTES'), problems),
  };
}

/** `a,b` or `["a","b"]`; undefined when a JSON array holds anything but non-empty strings. */
function readList(text: string): string[] | undefined {
  if (!text.startsWith('[')) {
    return text
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  }
  const parsed = parse(text);
  if (!Array.isArray(parsed) || !parsed.every((s) => typeof s === 'string' && s !== '')) {
    return undefined;
  }
  return parsed;
}

/** `{"key":"value",...}`; numbers and booleans are taken as their text, as HOCON did. */
function readAdditionalTags(text: string | undefined, problems: string[]): Record<string, string> {
  if (text === undefined) return {};
  const tags = stringMap(parse(text));
  if (tags === undefined) {
    problems.push(
      `ADDITIONAL_TAGS="${text}" is not accepted: use a JSON object of tag keys to string values, e.g. {"X-HAYSTACK-ENV":"prod"}`,
    );
    return {};
  }
  return tags;
}

const ROUTES_ACCEPTED = `use a JSON array of {"name","topic","tags":{"key":"value"},"brokers"?:["host:port"],"output"?:"${OUTPUT_FORMATS.join('|')}"}`;

function readRoutes(text: string | undefined, problems: string[]): Route[] {
  if (text === undefined) return [];
  const parsed = parse(text);
  if (!Array.isArray(parsed)) {
    problems.push(`ROUTES="${text}" is not accepted: ${ROUTES_ACCEPTED}`);
    return [];
  }
  if (parsed.length > MAX_ROUTES) {
    problems.push(`ROUTES has ${parsed.length} routes: at most ${MAX_ROUTES} are accepted`);
  }
  const routes: Route[] = [];
  const names = new Set<string>();
  for (const [i, item] of parsed.entries()) {
    const problem = (what: string) => problems.push(`ROUTES[${i}]: ${what}; ${ROUTES_ACCEPTED}`);
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      problem('is not an object');
      continue;
    }
    const { name, topic, tags, brokers, output } = item as Record<string, unknown>;
    if (typeof name !== 'string' || !ROUTE_NAME.test(name)) {
      problem('"name" must be 1-64 of a-z A-Z 0-9 _ -');
      continue;
    }
    if (names.has(name)) problem(`"name" ${name} is used twice`);
    names.add(name);
    if (typeof topic !== 'string' || !TOPIC_NAME.test(topic)) {
      problem('"topic" must be a Kafka topic name: 1-249 of a-z A-Z 0-9 . _ -');
      continue;
    }
    const routeTags = stringMap(tags ?? {});
    if (routeTags === undefined) {
      problem('"tags" must be an object of tag keys to string values ({} routes every span)');
      continue;
    }
    const route: Route = { name, topic, tags: routeTags };
    if (output !== undefined) {
      if (!OUTPUT_FORMATS.includes(output as OutputFormat)) {
        problem(`"output" must be one of ${OUTPUT_FORMATS.join(', ')} (absent: OUTPUT_FORMAT)`);
        continue;
      }
      route.output = output as OutputFormat;
    }
    if (brokers !== undefined) {
      const list = typeof brokers === 'string' ? brokers.split(',').map((b) => b.trim()) : brokers;
      if (
        !Array.isArray(list) ||
        list.length === 0 ||
        !list.every((b) => typeof b === 'string' && BROKER.test(b))
      ) {
        problem('"brokers" must be a non-empty list of host:port');
        continue;
      }
      route.brokers = list as string[];
    }
    routes.push(route);
  }
  return routes;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A JSON object whose values are strings, numbers or booleans, as strings; else undefined. */
function stringMap(value: unknown): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const entries: [string, string][] = [];
  for (const [key, v] of Object.entries(value)) {
    if (key === '') return undefined;
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return undefined;
    entries.push([key, String(v)]);
  }
  // fromEntries defines own properties, so a key such as __proto__ stays a key.
  return Object.fromEntries(entries);
}
