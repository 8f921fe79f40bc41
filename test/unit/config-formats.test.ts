import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_DECOMPRESSED_BYTES, readFormatSettings } from '../../lambda/config-formats.js';
import { DEFAULT_SIZE_GUARD } from '../../lambda/decorators/size-guard.js';

function read(env: Record<string, string>) {
  const problems: string[] = [];
  const settings = readFormatSettings(env, problems);
  return { settings, problems };
}

describe('readFormatSettings', () => {
  it('defaults to the original collector: one Haystack span per record, proto out, nothing added', () => {
    const { settings, problems } = read({});

    expect(problems).toEqual([]);
    expect(settings).toEqual({
      inputFormat: 'haystack-span',
      maxDecompressedBytes: DEFAULT_MAX_DECOMPRESSED_BYTES,
      outputFormat: 'proto',
      sizeGuard: DEFAULT_SIZE_GUARD,
      additionalTags: { entries: [] },
      routes: [],
    });
  });

  it('reads every variable', () => {
    const { settings, problems } = read({
      INPUT_FORMAT: 'OTLP-Proto',
      MAX_DECOMPRESSED_BYTES: '2048',
      OUTPUT_FORMAT: 'json',
      SIZE_GUARD_ENABLE: 'true',
      SIZE_GUARD_LOG_ONLY: 'TRUE',
      SIZE_GUARD_MAX_BYTES: '800',
      SIZE_GUARD_SKIP_TAGS: 'Error, http.status_code',
      SIZE_GUARD_SKIP_SERVICES: '["Checkout"]',
      SIZE_GUARD_INFO_TAG_KEY: 'X-INFO',
      SIZE_GUARD_INFO_TAG_VALUE: 'Tags Truncated',
      ADDITIONAL_TAGS: '{"X-HAYSTACK-ENV":"prod","version":2,"__proto__":"kept"}',
      ROUTES:
        '[{"name":"payments","topic":"payments-spans","tags":{"app.team":"payments"}},{"name":"mirror","topic":"all","tags":{},"brokers":"b-1:9098, b-2:9098"}]',
    });

    expect(problems).toEqual([]);
    expect(settings.inputFormat).toBe('otlp-proto');
    expect(settings.maxDecompressedBytes).toBe(2048);
    expect(settings.outputFormat).toBe('json');
    expect(settings.sizeGuard).toEqual({
      enable: true,
      logOnly: true,
      maxSizeBytes: 800,
      skipTags: ['error', 'http.status_code'],
      skipServices: ['checkout'],
      infoTagKey: 'X-INFO',
      infoTagValue: 'Tags Truncated',
    });
    expect(settings.additionalTags.entries.map(({ key, value }) => [key, value])).toEqual([
      ['X-HAYSTACK-ENV', 'prod'],
      ['version', '2'],
      ['__proto__', 'kept'],
    ]);
    expect(settings.routes).toEqual([
      { name: 'payments', topic: 'payments-spans', tags: { 'app.team': 'payments' } },
      { name: 'mirror', topic: 'all', tags: {}, brokers: ['b-1:9098', 'b-2:9098'] },
    ]);
  });

  it('accepts [] to keep no tag on truncation', () => {
    expect(read({ SIZE_GUARD_SKIP_TAGS: '[]' }).settings.sizeGuard.skipTags).toEqual([]);
  });

  it.each([
    [
      'INPUT_FORMAT',
      'zipkin',
      'INPUT_FORMAT="zipkin" is not accepted: use one of haystack-span, haystack-batch, haystack-json, otlp-proto, otlp-json',
    ],
    [
      'MAX_DECOMPRESSED_BYTES',
      '10',
      'MAX_DECOMPRESSED_BYTES="10" is not accepted: use a whole number from 1024 to 268435456',
    ],
    [
      'OUTPUT_FORMAT',
      'avro',
      'OUTPUT_FORMAT="avro" is not accepted: use one of proto, json, otlp-proto, otlp-json',
    ],
    ['SIZE_GUARD_ENABLE', 'yes', 'SIZE_GUARD_ENABLE="yes" is not accepted: use true or false'],
    [
      'SIZE_GUARD_MAX_BYTES',
      '0',
      'SIZE_GUARD_MAX_BYTES="0" is not accepted: use a whole number from 1 to 100000000',
    ],
    [
      'SIZE_GUARD_SKIP_TAGS',
      '[1]',
      'SIZE_GUARD_SKIP_TAGS="[1]" is not accepted: use a comma-separated list or a JSON array of strings ([] for none)',
    ],
    [
      'ADDITIONAL_TAGS',
      '["a"]',
      'ADDITIONAL_TAGS="["a"]" is not accepted: use a JSON object of tag keys to string values, e.g. {"X-HAYSTACK-ENV":"prod"}',
    ],
    [
      'ADDITIONAL_TAGS',
      '{"a":{"b":1}}',
      'ADDITIONAL_TAGS="{"a":{"b":1}}" is not accepted: use a JSON object of tag keys to string values, e.g. {"X-HAYSTACK-ENV":"prod"}',
    ],
    [
      'ROUTES',
      '{}',
      'ROUTES="{}" is not accepted: use a JSON array of {"name","topic","tags":{"key":"value"},"brokers"?:["host:port"],"output"?:"proto|json|otlp-proto|otlp-json"}',
    ],
  ])('names %s and what it accepts', (name, value, message) => {
    expect(read({ [name]: value }).problems).toEqual([message]);
  });

  it.each([
    ['not an object', '[1]', 'is not an object'],
    [
      'a bad name',
      '[{"name":"a b","topic":"t","tags":{}}]',
      '"name" must be 1-64 of a-z A-Z 0-9 _ -',
    ],
    ['a bad topic', '[{"name":"a","topic":"a/b","tags":{}}]', '"topic" must be a Kafka topic name'],
    [
      'tags that are not strings',
      '[{"name":"a","topic":"t","tags":{"k":[1]}}]',
      '"tags" must be an object',
    ],
    [
      'bad brokers',
      '[{"name":"a","topic":"t","tags":{},"brokers":["nohost"]}]',
      '"brokers" must be a non-empty list of host:port',
    ],
    [
      'an unknown output',
      '[{"name":"a","topic":"t","tags":{},"output":"zipkin"}]',
      '"output" must be one of proto, json, otlp-proto, otlp-json',
    ],
  ])('refuses a route with %s', (_, routes, fragment) => {
    const { problems, settings } = read({ ROUTES: routes });

    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`ROUTES[0]: ${fragment}`);
    expect(settings.routes).toEqual([]);
  });

  it("reads a route's own output format, absent when the route has none", () => {
    const routes =
      '[{"name":"otel","topic":"otlp_spans","tags":{},"output":"otlp-proto"},{"name":"b","topic":"u","tags":{}}]';

    const { problems, settings } = read({ ROUTES: routes, OUTPUT_FORMAT: 'otlp-json' });

    expect(problems).toEqual([]);
    expect(settings.outputFormat).toBe('otlp-json');
    expect(settings.routes).toEqual([
      { name: 'otel', topic: 'otlp_spans', tags: {}, output: 'otlp-proto' },
      { name: 'b', topic: 'u', tags: {} },
    ]);
  });

  it('refuses a route name used twice', () => {
    const routes = '[{"name":"a","topic":"t","tags":{}},{"name":"a","topic":"u","tags":{}}]';

    expect(read({ ROUTES: routes }).problems).toEqual([
      expect.stringContaining('ROUTES[1]: "name" a is used twice'),
    ]);
  });

  it('reports every bad variable at once', () => {
    expect(
      read({ INPUT_FORMAT: 'x', OUTPUT_FORMAT: 'y', SIZE_GUARD_LOG_ONLY: 'z' }).problems,
    ).toHaveLength(3);
  });
});
