import { readSpanView, stringTagField } from './span-tags.js';

/**
 * The original collector's optional span size guard (haystack-collector `ProtoSpanExtractor
 * .validateSpanSize` / `truncateTags`), with its semantics:
 *
 * - off unless enabled; a service in `skipServices` (compared lower-cased) is never checked;
 * - a span is over the limit when its serialized size is greater than `maxSizeBytes`;
 * - over the limit with `logOnly`, the span passes unchanged (and is counted);
 * - otherwise every tag is dropped but those whose lower-cased key is in `skipTags`, in their
 *   order, and the info tag (`infoTagKey` = `infoTagValue`, a string tag) is appended; logs and
 *   every other field are kept. The truncated span may still be over the limit: the guard
 *   never refuses a span.
 *
 * It works on the bytes: fields other than tags are copied as they are, so a truncated span's
 * traceId, and with it its Kafka key, is unchanged.
 */
export interface SizeGuardSettings {
  /** `SIZE_GUARD_ENABLE`, default false (the original's `max.size.enable`). */
  enable: boolean;
  /** `SIZE_GUARD_LOG_ONLY`, default false: count and log oversized spans but pass them whole. */
  logOnly: boolean;
  /** `SIZE_GUARD_MAX_BYTES`, default 5000 (the original's `max.size.limit`). */
  maxSizeBytes: number;
  /** `SIZE_GUARD_SKIP_TAGS`, default `error`: tag keys kept on truncation, lower-cased. */
  skipTags: readonly string[];
  /** `SIZE_GUARD_SKIP_SERVICES`, default none: services never truncated, lower-cased. */
  skipServices: readonly string[];
  /** `SIZE_GUARD_INFO_TAG_KEY`, default `X-HAYSTACK-SPAN-INFO`. */
  infoTagKey: string;
  /** `SIZE_GUARD_INFO_TAG_VALUE`, default the original's message (see {@link DEFAULT_INFO_TAG_VALUE}). */
  infoTagValue: string;
}

export const DEFAULT_INFO_TAG_KEY = 'X-HAYSTACK-SPAN-INFO';
export const DEFAULT_INFO_TAG_VALUE =
  'Tags are truncated. REASON: Span Size Limit Exceeded. Please contact Haystack for more details';

/** The original's defaults (haystack-collector `kinesis/src/main/resources/config/base.conf`). */
export const DEFAULT_SIZE_GUARD: SizeGuardSettings = {
  enable: false,
  logOnly: false,
  maxSizeBytes: 5000,
  skipTags: ['error'],
  skipServices: [],
  infoTagKey: DEFAULT_INFO_TAG_KEY,
  infoTagValue: DEFAULT_INFO_TAG_VALUE,
};

/** What the guard did to one span. */
export interface SizeGuardResult {
  /** The span to produce: the input buffer itself unless truncated. */
  bytes: Buffer;
  /** Over the limit: counts toward `sizeLimitExceeded.span`, as in the original. */
  exceeded: boolean;
  /** Tags were dropped and the info tag added. */
  truncated: boolean;
}

/** Applies the size guard to one valid span. Pure: the input buffer is never modified. */
export function guardSpanSize(bytes: Buffer, settings: SizeGuardSettings): SizeGuardResult {
  const untouched = { bytes, exceeded: false, truncated: false };
  if (!settings.enable || bytes.length <= settings.maxSizeBytes) return untouched;
  const view = readSpanView(bytes);
  if (view === undefined) return untouched;
  if (settings.skipServices.includes(view.serviceName.toLowerCase())) return untouched;
  if (settings.logOnly) return { bytes, exceeded: true, truncated: false };

  // Everything between the tags is kept in place; dropped tags are cut out.
  const parts: Buffer[] = [];
  let from = 0;
  for (const tag of view.tags) {
    if (settings.skipTags.includes(tag.key.toLowerCase())) continue;
    if (tag.start > from) parts.push(bytes.subarray(from, tag.start));
    from = tag.end;
  }
  if (from < bytes.length) parts.push(bytes.subarray(from));
  parts.push(stringTagField(settings.infoTagKey, settings.infoTagValue));
  return { bytes: Buffer.concat(parts), exceeded: true, truncated: true };
}
