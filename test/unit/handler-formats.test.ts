import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { DeadLetterHeader } from '../../lambda/dead-letters.js';
import { ClusterProducers } from '../../lambda/kafka/clusters.js';
import type { OutgoingMessage } from '../../lambda/messages.js';
import { Batch, Span } from '../../proto/haystack.generated.js';
import { encodeSpan, kinesisEvent, lambdaContext } from '../helpers/factories.js';
import { handlerModule, offlineConfig, recordingProducer } from '../helpers/handler.js';

/**
 * The formats, decorators and routes wired into the handler (issue 6): inputs from the
 * independent vectors in test/vectors/, the messages the handler hands its producer checked.
 */

const vector = (name: string) => readFileSync(`test/vectors/${name}`);

let createHandler: typeof import('../../lambda/handler.js').createHandler;

beforeAll(async () => {
  ({ createHandler } = await handlerModule());
});

const configWith = offlineConfig;

const byKind = (sent: OutgoingMessage[], kind: OutgoingMessage['kind']) =>
  sent.filter((m) => m.kind === kind);

describe('input formats', () => {
  it('haystack-batch: each span keyed by its own traceId, bytes as protoc wrote them, the bad one dead-lettered alone with its index', async () => {
    const batch = vector('batch-three.bin');
    const expected = Batch.decode(batch).spans.map((s) => Buffer.from(Span.encode(s).finish()));
    const { producer, sent } = recordingProducer();

    const response = await createHandler(configWith({ INPUT_FORMAT: 'haystack-batch' }), producer)(
      kinesisEvent([batch]),
      lambdaContext(),
    );

    expect(response.batchItemFailures).toEqual([]);
    const spans = byKind(sent, 'span');
    expect(spans.map((m) => m.key?.toString())).toEqual(['trace-1', 'trace-2']);
    expect(spans.map((m) => m.value)).toEqual([expected[0], expected[2]]);
    const [letter] = byKind(sent, 'dead-letter');
    expect(letter?.headers?.[DeadLetterHeader.reason]).toBe('missing-service-name');
    expect(letter?.headers?.[DeadLetterHeader.spanIndex]).toBe('1');
    // The refused span's own bytes, a view into the Batch as received.
    expect(letter?.value).toEqual(expected[1]);
  });

  it('gzip and zlib records are inflated whatever the format; the span produced is the inflated bytes', async () => {
    const { producer, sent } = recordingProducer();

    await createHandler(configWith({}), producer)(
      kinesisEvent([vector('span-full.bin.gz')]),
      lambdaContext(),
    );
    await createHandler(configWith({ INPUT_FORMAT: 'haystack-batch' }), producer)(
      kinesisEvent([vector('batch-three.bin.zz')]),
      lambdaContext(),
    );

    const spans = byKind(sent, 'span');
    expect(spans[0]?.value).toEqual(vector('span-full.bin'));
    expect(spans.slice(1).map((m) => m.key?.toString())).toEqual(['trace-1', 'trace-2']);
  });

  it('a zip bomb is dead-lettered as it came, never expanded past the limit', async () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024));
    const { producer, sent } = recordingProducer();

    await createHandler(configWith({ MAX_DECOMPRESSED_BYTES: '1048576' }), producer)(
      kinesisEvent([bomb]),
      lambdaContext(),
    );

    expect(byKind(sent, 'span')).toEqual([]);
    const [letter] = byKind(sent, 'dead-letter');
    expect(letter?.headers?.[DeadLetterHeader.reason]).toBe('decompressed-too-large');
    expect(letter?.value).toEqual(bomb);
  });

  it.each([
    ['otlp-proto', 'otlp-request.bin'],
    ['otlp-json', 'otlp-request.json'],
    ['otlp-proto', 'otlp-request.bin.flushed.gz'],
  ])(
    '%s (%s): converted spans equal the independently encoded expectation',
    async (format, input) => {
      const expected = Batch.decode(vector('otlp-request.expected.bin')).spans;
      const { producer, sent } = recordingProducer();

      await createHandler(configWith({ INPUT_FORMAT: format }), producer)(
        kinesisEvent([vector(input)]),
        lambdaContext(),
      );

      const produced = byKind(sent, 'span').map((m) =>
        Span.toObject(Span.decode(m.value), { longs: String, bytes: String }),
      );
      expect(produced).toEqual(
        expected.map((s) => Span.toObject(s as Span, { longs: String, bytes: String })),
      );
      for (const m of byKind(sent, 'span'))
        expect(m.key?.toString()).toBe(Span.decode(m.value).traceId);
      expect(byKind(sent, 'dead-letter').map((m) => m.headers?.[DeadLetterHeader.reason])).toEqual([
        'invalid-otlp-span',
      ]);
    },
  );

  it('haystack-json: the HTTP collector example becomes the span protoc encoded', async () => {
    const [expected] = Batch.decode(vector('haystack-http-readme.expected.bin')).spans;
    const { producer, sent } = recordingProducer();

    await createHandler(configWith({ INPUT_FORMAT: 'haystack-json' }), producer)(
      kinesisEvent([vector('haystack-http-readme.json')]),
      lambdaContext(),
    );

    const [message] = byKind(sent, 'span');
    expect(Span.decode(message?.value as Buffer).toJSON()).toEqual(
      Span.toObject(expected as Span, {
        longs: String,
        enums: String,
        bytes: String,
        defaults: false,
      }),
    );
  });
});

describe('decorators and routes', () => {
  it('the size guard truncates tags, keeps the key, and the additional tags follow', async () => {
    const big = encodeSpan({
      traceId: 'big-trace',
      tags: Array.from({ length: 50 }, (_, i) => ({
        key: i === 7 ? 'error' : `k${i}`,
        vStr: 'v'.repeat(40),
      })),
    });
    const { producer, sent } = recordingProducer();
    const config = configWith({
      SIZE_GUARD_ENABLE: 'true',
      SIZE_GUARD_MAX_BYTES: '800',
      ADDITIONAL_TAGS: '{"X-HAYSTACK-ENV":"prod"}',
    });

    await createHandler(config, producer)(
      kinesisEvent([big, encodeSpan({ traceId: 'small' })]),
      lambdaContext(),
    );

    const [truncated, small] = byKind(sent, 'span');
    expect(truncated?.key?.toString()).toBe('big-trace');
    const tags = Span.decode(truncated?.value as Buffer).tags.map((t) => [t.key, t.vStr]);
    expect(tags).toEqual([
      ['error', 'v'.repeat(40)],
      [
        'X-HAYSTACK-SPAN-INFO',
        'Tags are truncated. REASON: Span Size Limit Exceeded. Please contact Haystack for more details',
      ],
      ['X-HAYSTACK-ENV', 'prod'],
    ]);
    expect(Span.decode(small?.value as Buffer).tags.at(-1)?.key).toBe('X-HAYSTACK-ENV');
  });

  it('without decorators, spans are produced as the very bytes received', async () => {
    const bytes = encodeSpan();
    const { producer, sent } = recordingProducer();

    await createHandler(configWith({}), producer)(kinesisEvent([bytes]), lambdaContext());

    expect(sent[0]?.value).toEqual(bytes);
  });

  it('OUTPUT_FORMAT=json writes what the original JSON printer wrote for the same span', async () => {
    const { producer, sent } = recordingProducer();

    await createHandler(configWith({ OUTPUT_FORMAT: 'json' }), producer)(
      kinesisEvent([vector('span-full.bin')]),
      lambdaContext(),
    );

    expect(sent[0]?.value.toString('utf8')).toBe(vector('span-full.json').toString('utf8').trim());
    expect(sent[0]?.key?.toString()).toBe(Span.decode(vector('span-full.bin')).traceId);
  });

  it('a span carrying every pair of a route also goes to its topic; an unacknowledged copy names its record', async () => {
    const routes = JSON.stringify([
      { name: 'errors', topic: 'error-spans', tags: { 'span.kind': 'server', team: 'orders' } },
    ]);
    const matching = encodeSpan({
      traceId: 'hit',
      tags: [
        { key: 'span.kind', vStr: 'server' },
        { key: 'team', vStr: 'orders' },
      ],
    });
    const partial = encodeSpan({ traceId: 'miss', tags: [{ key: 'span.kind', vStr: 'server' }] });
    const event = kinesisEvent([partial, matching]);
    const { producer, sent } = recordingProducer((m) => m.kind === 'route');

    const response = await createHandler(configWith({ ROUTES: routes }), producer)(
      event,
      lambdaContext(),
    );

    const copies = byKind(sent, 'route');
    expect(copies.map((m) => [m.topic, m.route, m.key?.toString(), m.recordIndex])).toEqual([
      ['error-spans', 'errors', 'hit', 1],
    ]);
    expect(copies[0]?.value).toEqual(matching);
    expect(response).toStrictEqual({
      batchItemFailures: [{ itemIdentifier: event.Records[1]?.kinesis.sequenceNumber }],
    });
  });
});

describe('routes on another cluster', () => {
  it('go through that cluster’s producer, and acknowledgements merge back in order', async () => {
    const config = configWith({
      ROUTES: JSON.stringify([
        { name: 'mirror', topic: 'mirror-spans', tags: {}, brokers: ['10.0.0.9:9092'] },
      ]),
    });
    const main = recordingProducer();
    const other = recordingProducer(() => true); // the other cluster acknowledges nothing
    const producers = new ClusterProducers(
      main.producer,
      new Map([['10.0.0.9:9092', other.producer]]),
    );
    const event = kinesisEvent([encodeSpan({ traceId: 'a' }), encodeSpan({ traceId: 'b' })]);

    const response = await createHandler(config, producers)(event, lambdaContext());

    expect(main.sent.map((m) => m.kind)).toEqual(['span', 'span']);
    expect(other.sent.map((m) => [m.topic, m.cluster, m.key?.toString()])).toEqual([
      ['mirror-spans', '10.0.0.9:9092', 'a'],
      ['mirror-spans', '10.0.0.9:9092', 'b'],
    ]);
    expect(response).toStrictEqual({
      batchItemFailures: [{ itemIdentifier: event.Records[0]?.kinesis.sequenceNumber }],
    });
  });

  it('builds one warm producer per other cluster from the configuration', () => {
    const config = configWith({
      ROUTES: JSON.stringify([
        { name: 'a', topic: 't-a', tags: {}, brokers: ['x:1'] },
        { name: 'b', topic: 't-b', tags: {}, brokers: 'x:1' },
        { name: 'c', topic: 't-c', tags: {} },
      ]),
    });

    const producers = ClusterProducers.fromConfig(config) as unknown as {
      others: Map<string, unknown>;
    };

    expect([...producers.others.keys()]).toEqual(['x:1']);
  });
});
