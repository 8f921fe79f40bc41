import type { OutputFormat } from '../outputs/output-formats.js';
import { readSpanView, tagString } from './span-tags.js';

/**
 * The original collector's tag-routed extra outputs (haystack-collector `external.kafka.<name>`
 * and `KafkaRecordSink`): a span whose tags include every one of a route's key/value pairs is
 * also produced to the route's topic, with the same key and value as the main message, or in
 * the route's own output format (so a route can carry OpenTelemetry while the main topic keeps
 * Haystack's bytes).
 *
 * As in the original, a pair matches a tag with that key and that string value (`getVStr`):
 * a `BOOL` tag `error=true` does not match the string `"true"`. A route with no pairs matches
 * every span (a mirror). Unlike the original, which counted matching tags, a span with the
 * same matching tag twice does not stand in for a missing pair.
 */
export interface Route {
  /** Names the route in logs and metrics. */
  name: string;
  /** Kafka topic the matching spans are also produced to. */
  topic: string;
  /** Tag key/value pairs a span must all carry. */
  tags: Readonly<Record<string, string>>;
  /** Bootstrap brokers of another cluster; the main cluster when absent. */
  brokers?: readonly string[];
  /** The route's own output format; the main `OUTPUT_FORMAT` when absent. */
  output?: OutputFormat;
}

/** The routes whose pairs the span's tags all carry, in configured order. */
export function matchingRoutes<R extends Route>(bytes: Buffer, routes: readonly R[]): R[] {
  if (routes.length === 0) return [];
  const view = readSpanView(bytes);
  if (view === undefined) return [];
  const values = new Map<string, Set<string>>();
  for (const tag of view.tags) {
    if (!routes.some((route) => Object.hasOwn(route.tags, tag.key))) continue;
    const value = tagString(bytes, tag);
    if (value === undefined) continue;
    const set = values.get(tag.key) ?? new Set<string>();
    set.add(value);
    values.set(tag.key, set);
  }
  return routes.filter((route) =>
    Object.entries(route.tags).every(([key, value]) => values.get(key)?.has(value) === true),
  );
}
