import { describe, expect, it } from 'vitest';
import { matchingRoutes, type Route } from '../../lambda/decorators/routes.js';
import { Tag } from '../../proto/haystack.generated.js';
import { encodeSpan } from '../helpers/factories.js';

const routes: Route[] = [
  { name: 'payments', topic: 'payments-spans', tags: { 'app.team': 'payments', env: 'prod' } },
  { name: 'prod', topic: 'prod-spans', tags: { env: 'prod' } },
  { name: 'errors', topic: 'error-spans', tags: { error: 'true' } },
  { name: 'mirror', topic: 'all-spans', tags: {}, brokers: ['other:9092'] },
];
const names = (bytes: Buffer) => matchingRoutes(bytes, routes).map((r) => r.name);

describe('matchingRoutes', () => {
  it('matches a route only when every one of its pairs is on the span', () => {
    const span = encodeSpan({
      tags: [
        { key: 'env', vStr: 'prod' },
        { key: 'app.team', vStr: 'payments' },
      ],
    });

    expect(names(span)).toEqual(['payments', 'prod', 'mirror']);
  });

  it('does not match on some of the pairs', () => {
    expect(names(encodeSpan({ tags: [{ key: 'app.team', vStr: 'payments' }] }))).toEqual([
      'mirror',
    ]);
  });

  it('compares string values only, as the original (a BOOL error=true is not "true")', () => {
    const boolError = encodeSpan({ tags: [{ key: 'error', type: Tag.TagType.BOOL, vBool: true }] });
    const stringError = encodeSpan({ tags: [{ key: 'error', vStr: 'true' }] });

    expect(names(boolError)).toEqual(['mirror']);
    expect(names(stringError)).toEqual(['errors', 'mirror']);
  });

  it('finds a pair among repeated keys, and a repeated matching tag does not stand in for another pair', () => {
    const span = encodeSpan({
      tags: [
        { key: 'env', vStr: 'dev' },
        { key: 'env', vStr: 'prod' },
        { key: 'env', vStr: 'prod' },
      ],
    });

    expect(names(span)).toEqual(['prod', 'mirror']);
  });

  it('is case-sensitive in keys and values', () => {
    expect(
      names(
        encodeSpan({
          tags: [
            { key: 'ENV', vStr: 'prod' },
            { key: 'env', vStr: 'Prod' },
          ],
        }),
      ),
    ).toEqual(['mirror']);
  });

  it('returns no route without routes', () => {
    expect(matchingRoutes(encodeSpan(), [])).toEqual([]);
  });
});
