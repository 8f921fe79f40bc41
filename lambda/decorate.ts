import type { FormatSettings } from './config-formats.js';
import { addTags } from './decorators/additional-tags.js';
import { matchingRoutes, type Route } from './decorators/routes.js';
import { guardSpanSize } from './decorators/size-guard.js';
import type { ValidSpan } from './spans.js';

/** What the decorators did in one invocation, for metrics and the log. */
export interface DecorationCounts {
  /** Spans over the size guard's limit (the original's `sizeLimitExceeded.span`). */
  sizeLimitExceeded: number;
  /** Spans whose tags the size guard cut. */
  truncated: number;
  /** Spans that got at least one additional tag. */
  decorated: number;
}

/** Valid spans after the decorators, with the routes each one also goes to. */
export interface DecoratedSpans {
  /** Same order as the input; `record.data` is the decorated Haystack span. */
  spans: ValidSpan[];
  /** Per span, the routes it matched; empty when no route is configured. */
  routes: ReadonlyArray<readonly Route[]>;
}

/**
 * The original collector's decorators, in its order: the size guard, the additional tags, the
 * tag routes (matched on the decorated span); the output format is the messages' business
 * (lambda/messages.ts), since a route may have its own. With none configured (the default)
 * the spans pass through untouched, bytes and all. A span's key is its traceId,
 * which no decorator changes, so the key found by validation stays right.
 */
export function decorateSpans(
  spans: ValidSpan[],
  settings: FormatSettings,
  counts: DecorationCounts,
): DecoratedSpans {
  const { sizeGuard, additionalTags, routes } = settings;
  const active = sizeGuard.enable || additionalTags.entries.length > 0 || routes.length > 0;
  if (!active) return { spans, routes: [] };

  const decorated: ValidSpan[] = new Array(spans.length);
  const matched: Array<readonly Route[]> = routes.length > 0 ? new Array(spans.length) : [];
  for (let i = 0; i < spans.length; i++) {
    const { record, key } = spans[i] as ValidSpan;
    const guarded = guardSpanSize(record.data, sizeGuard);
    if (guarded.exceeded) counts.sizeLimitExceeded++;
    if (guarded.truncated) counts.truncated++;
    const tagged = addTags(guarded.bytes, additionalTags);
    if (tagged !== guarded.bytes) counts.decorated++;
    if (routes.length > 0) matched[i] = matchingRoutes(tagged, routes);
    decorated[i] =
      tagged === record.data ? { record, key } : { record: { ...record, data: tagged }, key };
  }
  return { spans: decorated, routes: matched };
}
