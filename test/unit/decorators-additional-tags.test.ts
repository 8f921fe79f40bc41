import { describe, expect, it } from 'vitest';
import { addTags, prepareAdditionalTags } from '../../lambda/decorators/additional-tags.js';
import { type ITag, Span, Tag } from '../../proto/haystack.generated.js';
import { encodeSpan } from '../helpers/factories.js';

const config = prepareAdditionalTags({ 'X-HAYSTACK-TAG1': 'VALUE1', 'X-HAYSTACK-TAG2': 'VALUE2' });
const tagsOf = (bytes: Buffer) => Span.decode(bytes).tags.map((t) => Tag.toObject(t as Tag));

describe('addTags: the original decorator’s test cases', () => {
  it('decorates with no duplicate tags: both configured tags are added to an empty span', () => {
    const result = addTags(Buffer.alloc(0), config);

    expect(tagsOf(result)).toEqual([
      { key: 'X-HAYSTACK-TAG1', vStr: 'VALUE1' },
      { key: 'X-HAYSTACK-TAG2', vStr: 'VALUE2' },
    ]);
  });

  it('decorates with an existing tag: its value is kept, the other is added', () => {
    const span = Buffer.from(
      Span.encode({ tags: [{ key: 'X-HAYSTACK-TAG1', vStr: 'VALUE3' }] }).finish(),
    );

    expect(tagsOf(addTags(span, config))).toEqual([
      { key: 'X-HAYSTACK-TAG1', vStr: 'VALUE3' },
      { key: 'X-HAYSTACK-TAG2', vStr: 'VALUE2' },
    ]);
  });
});

describe('addTags', () => {
  it('does not crash on duplicate tag keys (the original threw and lost the span)', () => {
    const tags: ITag[] = [
      { key: 'X-HAYSTACK-TAG1', vStr: '' },
      { key: 'X-HAYSTACK-TAG1', vStr: 'set' },
      { key: 'X-HAYSTACK-TAG2', vStr: '' },
      { key: 'X-HAYSTACK-TAG2', vStr: '' },
    ];
    const span = Buffer.from(Span.encode({ tags }).finish());

    expect(tagsOf(addTags(span, config)).map((t) => t.key)).toEqual([
      'X-HAYSTACK-TAG1',
      'X-HAYSTACK-TAG1',
      'X-HAYSTACK-TAG2',
      'X-HAYSTACK-TAG2',
      'X-HAYSTACK-TAG2',
    ]);
  });

  it('adds the tag when the key holds an empty string or a non-string value', () => {
    const span = Buffer.from(
      Span.encode({
        tags: [
          { key: 'X-HAYSTACK-TAG1', type: Tag.TagType.BOOL, vBool: true },
          { key: 'X-HAYSTACK-TAG2', vStr: '' },
        ],
      }).finish(),
    );

    expect(tagsOf(addTags(span, config)).slice(2)).toEqual([
      { key: 'X-HAYSTACK-TAG1', vStr: 'VALUE1' },
      { key: 'X-HAYSTACK-TAG2', vStr: 'VALUE2' },
    ]);
  });

  it('leaves a span that has every tag as the very same buffer', () => {
    const span = encodeSpan({
      tags: [
        { key: 'X-HAYSTACK-TAG1', vStr: 'a' },
        { key: 'X-HAYSTACK-TAG2', vStr: 'b' },
      ],
    });

    expect(addTags(span, config)).toBe(span);
  });

  it('appends to the bytes: everything already there stays byte for byte', () => {
    const span = encodeSpan();

    const result = addTags(span, config);

    expect(result.subarray(0, span.length)).toEqual(span);
    expect(Span.decode(result).traceId).toBe(Span.decode(span).traceId);
  });

  it('does nothing without configured tags', () => {
    const span = encodeSpan();

    expect(addTags(span, prepareAdditionalTags({}))).toBe(span);
  });
});
