import { readSpanView, stringTagField } from './span-tags.js';

/**
 * The original collector's additional tags (haystack-collector `AdditionalTagsSpanDecorator`):
 * each configured key/value is added to every span as a `STRING` tag, unless the span already
 * has a tag with that key and a non-empty string value.
 *
 * The original built a map of the span's tags with `Collectors.toMap`, which throws on a
 * repeated key, and the span was then lost. Here a repeated key is just a key: if any of its
 * tags has a non-empty string value, the configured tag is not added.
 *
 * The new tags are appended to the span's bytes (repeated fields concatenate on the wire), so
 * nothing else in the span is re-encoded, and a span that needs no tag keeps its buffer.
 */
export interface AdditionalTags {
  /** The configured tags in order, each already encoded as a `Span.tags` field. */
  readonly entries: readonly { key: string; value: string; field: Buffer }[];
}

/** Prepares `ADDITIONAL_TAGS` once, at cold start. */
export function prepareAdditionalTags(tags: Readonly<Record<string, string>>): AdditionalTags {
  return {
    entries: Object.entries(tags).map(([key, value]) => ({
      key,
      value,
      field: stringTagField(key, value),
    })),
  };
}

/** The span with the configured tags it lacks appended; the same buffer when it lacks none. */
export function addTags(bytes: Buffer, tags: AdditionalTags): Buffer {
  if (tags.entries.length === 0) return bytes;
  const view = readSpanView(bytes);
  if (view === undefined) return bytes;
  const present = new Set<string>();
  for (const tag of view.tags) if (tag.strEnd > tag.strStart) present.add(tag.key);
  const added = tags.entries.filter(({ key }) => !present.has(key)).map(({ field }) => field);
  return added.length === 0 ? bytes : Buffer.concat([bytes, ...added]);
}
