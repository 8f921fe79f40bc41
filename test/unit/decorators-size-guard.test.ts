import { describe, expect, it } from 'vitest';
import {
  DEFAULT_INFO_TAG_KEY,
  DEFAULT_INFO_TAG_VALUE,
  DEFAULT_SIZE_GUARD,
  guardSpanSize,
  type SizeGuardSettings,
} from '../../lambda/decorators/size-guard.js';
import { checkSpan } from '../../lambda/spans.js';
import { type ITag, Span, Tag } from '../../proto/haystack.generated.js';
import { vector } from '../helpers/vectors.js';

// The original's own test case (haystack-collector ProtoSpanExtractorSpec): limit 800, info
// tag "Tags Truncated", skip tag "error", one skipped service, and spans of 50 tags: the error
// tag then key0..key48 = value0..value48.
const SPAN_SIZE_LIMIT = 800;
const SKIPPED_SERVICE = 'skip_tag_truncation_service';
const settings: SizeGuardSettings = {
  enable: true,
  logOnly: false,
  maxSizeBytes: SPAN_SIZE_LIMIT,
  infoTagKey: 'X-HAYSTACK-SPAN-INFO',
  infoTagValue: 'Tags Truncated',
  skipTags: ['error'],
  skipServices: [SKIPPED_SERVICE],
};

function createTags(count: number): ITag[] {
  const tags: ITag[] = [{ key: 'error', type: Tag.TagType.BOOL, vBool: true }];
  for (let i = 0; i < count - 1; i++) tags.push({ key: `key${i}`, vStr: `value${i}` });
  return tags;
}

function createSpan(serviceName: string, tags: ITag[]): Buffer {
  return Buffer.from(
    Span.encode({
      spanId: 'span ID',
      traceId: 'trace ID',
      serviceName,
      operationName: 'operation name 1',
      startTime: Date.now() * 1000,
      duration: 42,
      tags,
      logs: [{ timestamp: Date.now() * 1000, fields: [{ key: 'event', vStr: 'kept' }] }],
    }).finish(),
  );
}

describe('guardSpanSize: the original collector’s test cases', () => {
  it('truncates tags to reduce a span over the limit', () => {
    const large = createSpan('service name 1', createTags(50));

    const result = guardSpanSize(large, settings);
    const span = Span.decode(result.bytes);

    expect(large.length).toBeGreaterThan(SPAN_SIZE_LIMIT);
    expect(result).toMatchObject({ exceeded: true, truncated: true });
    expect(span.tags.some((tag) => tag.key?.toLowerCase() === 'error')).toBe(true);
    expect(span.tags).toHaveLength(2);
    expect(result.bytes.length).toBeLessThan(SPAN_SIZE_LIMIT);
  });

  it("doesn't truncate tags of a skipped service even over the limit", () => {
    const large = createSpan(SKIPPED_SERVICE, createTags(50));

    const result = guardSpanSize(large, settings);
    const span = Span.decode(result.bytes);

    expect(result.bytes).toBe(large);
    expect(result.bytes.length).toBeGreaterThan(SPAN_SIZE_LIMIT);
    expect(span.tags).toHaveLength(50);
    expect(result.exceeded).toBe(false); // the original never measures a skipped service
  });
});

describe('guardSpanSize', () => {
  const large = createSpan('checkout', createTags(50));

  it('keeps everything but the dropped tags, traceId (the key) included, then adds the info tag', () => {
    const result = guardSpanSize(large, settings);

    const before = Span.toObject(Span.decode(large), { longs: String });
    const after = Span.toObject(Span.decode(result.bytes), { longs: String });
    expect(after).toEqual({
      ...before,
      tags: [
        { key: 'error', type: Tag.TagType.BOOL, vBool: true },
        { key: 'X-HAYSTACK-SPAN-INFO', vStr: 'Tags Truncated' },
      ],
    });
    expect(checkSpan(result.bytes, { start: 0, end: 0 })).toBeUndefined();
  });

  it('writes the same bytes as the original’s toBuilder().clearTags()...build()', () => {
    const original = Span.decode(large);
    const rebuilt = Span.encode({
      ...original,
      tags: [
        { key: 'error', type: Tag.TagType.BOOL, vBool: true },
        { key: 'X-HAYSTACK-SPAN-INFO', vStr: 'Tags Truncated' },
      ],
    }).finish();

    expect(guardSpanSize(large, settings).bytes).toEqual(Buffer.from(rebuilt));
  });

  it('compares skip tags and skip services lower-cased, as the original', () => {
    const span = createSpan('CHECKOUT', [
      { key: 'Error', vStr: 'x'.repeat(900) },
      { key: 'other', vStr: 'y' },
    ]);

    const truncated = guardSpanSize(span, settings);
    const skipped = guardSpanSize(span, { ...settings, skipServices: ['checkout'] });

    expect(Span.decode(truncated.bytes).tags.map((t) => t.key)).toEqual([
      'Error',
      'X-HAYSTACK-SPAN-INFO',
    ]);
    expect(skipped.bytes).toBe(span);
  });

  it('only counts an oversized span with log-only', () => {
    expect(guardSpanSize(large, { ...settings, logOnly: true })).toEqual({
      bytes: large,
      exceeded: true,
      truncated: false,
    });
  });

  it('passes a span at exactly the limit untouched (over means greater than)', () => {
    expect(guardSpanSize(large, { ...settings, maxSizeBytes: large.length })).toEqual({
      bytes: large,
      exceeded: false,
      truncated: false,
    });
  });

  it('does nothing unless enabled: the default', () => {
    expect(DEFAULT_SIZE_GUARD).toEqual({
      enable: false,
      logOnly: false,
      maxSizeBytes: 5000,
      skipTags: ['error'],
      skipServices: [],
      infoTagKey: DEFAULT_INFO_TAG_KEY,
      infoTagValue: DEFAULT_INFO_TAG_VALUE,
    });
    expect(guardSpanSize(large, { ...DEFAULT_SIZE_GUARD, maxSizeBytes: 10 }).bytes).toBe(large);
  });

  it('keeps tags interleaved with other fields in place', () => {
    const full = vector('span-full.bin'); // logs before tags, as protoc writes

    const result = guardSpanSize(full, {
      ...settings,
      maxSizeBytes: 100,
      skipTags: ['span.kind', 'payload'],
    });

    expect(Span.decode(result.bytes).tags.map((t) => t.key)).toEqual([
      'span.kind',
      'payload',
      'X-HAYSTACK-SPAN-INFO',
    ]);
    expect(Span.decode(result.bytes).logs).toEqual(Span.decode(full).logs);
  });
});
