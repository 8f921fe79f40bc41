import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as zlib from 'node:zlib';
import { build } from 'esbuild';
import fc from 'fast-check';
import { CompressionTypes } from 'kafkajs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerCodecs } from '../../lambda/kafka/codecs.js';
import { crc32c } from '../../lambda/kafka/encoding/crc32c.js';
import { produceRequest } from '../../lambda/kafka/encoding/produce-request.js';
import {
  GROUP_MESSAGES,
  PRODUCE_REQUEST,
  PRODUCE_REQUEST_REPLACEMENT,
  patchGroupMessages,
  patchProduceRequest,
  patchRequestFraming,
  REQUEST_FRAMING,
} from '../../scripts/build/kafkajs-encoding.mjs';
import { kafkajsPatches } from '../../scripts/build/kafkajs-patches.mjs';
import { repoRoot } from '../harness/paths.js';
import { compileModule } from '../helpers/patched-module.js';

/**
 * The build replaces kafkajs 2.2.4's produce encoding (scripts/build/kafkajs-encoding.mjs):
 * the Produce request v3 module by lambda/kafka/encoding/produce-request.ts, the grouping of
 * messages by partition by a linear loop, the framing of every request by one exact buffer.
 * Each must write exactly what kafkajs writes, for any input: compared here with kafkajs's own
 * modules over random requests, odd inputs included.
 * (The bundle test has a real broker and Kafka's Java consumer check the batches' CRCs.)
 */

const require = createRequire(__filename);
const kafkajsFile = (p: string) => require.resolve(`kafkajs/src/${p}`);
type Request = {
  apiKey: number;
  apiVersion: number;
  apiName: string;
  expectResponse(): boolean;
  encode(): Promise<{ buffer: Buffer }>;
};
const kafkajsRequest = require('kafkajs/src/protocol/requests/produce/v3/request') as (
  options: unknown,
) => Request;
const kafkajsCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C') as (b: Buffer) => number;
const Long = require('kafkajs/src/utils/long') as { fromValue(v: unknown): unknown };

const zstd = typeof (zlib as Record<string, unknown>).zstdCompress === 'function';
const NOW = 1_764_000_000_123;

beforeAll(() => {
  registerCodecs();
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** What both encoders make of the same options: the bytes, or the error's class and message. */
async function encoded(
  make: (options: unknown) => Request,
  options: unknown,
): Promise<Buffer | string> {
  try {
    return (await make(options).encode()).buffer;
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
}

/** Strings of every UTF-8 length, and lone surrogates (Node writes them as U+FFFD). */
const text = fc.string({
  unit: fc.oneof(
    fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }),
    fc.constantFrom('é', '€', '😀', '\ud800', '\udfff'),
  ),
  maxLength: 24,
});
const bytes = fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b));
const keyOrValue = fc.oneof(fc.constant(null), fc.constant(undefined), bytes, text);
const headerValue = fc.oneof(text, bytes);
const message = fc.record(
  {
    key: keyOrValue,
    value: keyOrValue,
    headers: fc.dictionary(text, fc.oneof(headerValue, fc.array(headerValue, { maxLength: 3 })), {
      maxKeys: 3,
    }),
    // Numbers and numeric text mixed (kafkajs sorts them as text), deltas past 2^30 ms too.
    timestamp: fc.oneof(
      fc.integer({ min: 1_600_000_000_000, max: 1_800_000_000_000 }),
      fc.integer({ min: 0, max: 1_800_000_000_000 }).map(String),
    ),
    partition: fc.integer({ min: 0, max: 11 }),
  },
  { requiredKeys: [] },
);
const request = fc.record(
  {
    acks: fc.constantFrom(-1, 0, 1),
    timeout: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    transactionalId: fc.oneof(fc.constant(null), text),
    producerId: fc.bigInt({ min: -1n, max: 2n ** 62n }).map((v) => Long.fromValue(v)),
    producerEpoch: fc.integer({ min: 0, max: 32_767 }),
    compression: fc.constantFrom(
      CompressionTypes.None,
      CompressionTypes.GZIP,
      CompressionTypes.Snappy,
      CompressionTypes.LZ4,
      ...(zstd ? [CompressionTypes.ZSTD] : []),
    ),
    topicData: fc.array(
      fc.record({
        topic: text,
        partitions: fc.array(
          fc.record(
            {
              partition: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
              firstSequence: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
              messages: fc.array(message, { maxLength: 25 }),
            },
            { requiredKeys: ['partition', 'messages'] },
          ),
          { minLength: 1, maxLength: 4 },
        ),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  },
  { requiredKeys: ['acks', 'timeout', 'topicData'] },
);

describe('the produce request (lambda/kafka/encoding/produce-request.ts)', () => {
  it('encodes any request byte for byte as kafkajs 2.2.4 does', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(NOW);
    await fc.assert(
      fc.asyncProperty(request, async (options) => {
        const ours = await encoded(produceRequest as never, options);

        expect(Buffer.isBuffer(ours)).toBe(true);
        expect(ours).toEqual(await encoded(kafkajsRequest, options));
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 300) },
    );
  }, 120_000); // a guard against a hang, not a limit: the runs take seconds on a loaded machine

  it('describes itself as kafkajs’s request does', () => {
    const options = { acks: 0, timeout: 1, topicData: [] };
    const { encode: _ours, ...ours } = produceRequest(options);
    const { encode: _theirs, ...theirs } = kafkajsRequest(options);

    expect({ ...ours, expectResponse: ours.expectResponse() }).toEqual({
      ...theirs,
      expectResponse: theirs.expectResponse(),
    });
  });

  const odd: Array<[string, Record<string, unknown>]> = [
    ['a Uint8Array key', { key: new Uint8Array([1, 2, 3]), value: Buffer.from('v') }],
    ['a number value', { value: 42 }],
    ['a null header value', { value: Buffer.from('v'), headers: { h: null } }],
    ['null headers', { value: Buffer.from('v'), headers: null }],
    // biome-ignore lint/suspicious/noSparseArray: the hole is the case under test
    ['a sparse header list', { value: Buffer.from('v'), headers: { h: ['a', , 'b'] } }],
    ['a BigInt timestamp', { value: Buffer.from('v'), timestamp: 1_764_000_000_000n }],
    ['a fractional timestamp', { value: Buffer.from('v'), timestamp: 1_764_000_000_000.5 }],
  ];
  it.each(odd)('encodes (or refuses) %s exactly as kafkajs does', async (_, odd) => {
    vi.spyOn(Date, 'now').mockReturnValue(NOW);
    const ordinary = { key: Buffer.from('k'), value: Buffer.from('v') };
    const options = {
      acks: -1,
      timeout: 30_000,
      topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [ordinary, odd] }] }],
    };

    expect(await encoded(produceRequest as never, options)).toEqual(
      await encoded(kafkajsRequest, options),
    );
  });

  it('encodes messages that are class instances as kafkajs does (their own fields only)', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(NOW);
    class Message {
      value = Buffer.from('v');
      get key() {
        return 'from the prototype';
      }
    }
    const options = {
      acks: 1,
      timeout: 1,
      topicData: [{ topic: 't', partitions: [{ partition: 3, messages: [new Message()] }] }],
    };

    expect(await encoded(produceRequest as never, options)).toEqual(
      await encoded(kafkajsRequest, options),
    );
  });
});

describe('CRC-32C (lambda/kafka/encoding/crc32c.ts)', () => {
  it('is kafkajs’s CRC-32C for any bytes, at any alignment and range', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 2_000 }),
        fc.nat(7),
        fc.nat(40),
        (data, shift, trim) => {
          // A view starting `shift` bytes into its memory, so every alignment is met.
          const view = Buffer.concat([Buffer.alloc(shift), data]).subarray(shift);
          const end = Math.max(0, view.length - trim);
          const start = Math.min(trim, end);

          expect(crc32c(view)).toBe(kafkajsCrc32c(view));
          expect(crc32c(view, start, end)).toBe(kafkajsCrc32c(view.subarray(start, end)));
        },
      ),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 300) },
    );
  });

  it('gives the check value of the standard', () => {
    expect(crc32c(Buffer.from('123456789')).toString(16)).toBe('e3069283');
  });
});

describe('grouping messages by partition (kafkajs groupMessagesPerPartition)', () => {
  const file = kafkajsFile('producer/groupMessagesPerPartition.js');
  const pinned = readFileSync(file, 'utf8');
  type Group = (options: {
    topic: string;
    partitionMetadata: unknown[];
    messages: unknown[];
    partitioner: (options: { message: unknown }) => number;
  }) => Record<string, unknown[]>;
  const original = require(file) as Group;
  const patched = compileModule<Group>(patchGroupMessages(pinned), file);

  it('groups any messages as kafkajs does, in order, calling the partitioner as often', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 300 }),
        fc.integer({ min: 0, max: 3 }),
        (partitions, metadata) => {
          const messages = partitions.map((partition, i) => ({ i, partition }));
          const run = (group: Group) => {
            const calls: unknown[] = [];
            const result = group({
              topic: 't',
              partitionMetadata: Array.from({ length: metadata }),
              messages,
              partitioner: ({ message }) => {
                calls.push(message);
                return (message as { partition: number }).partition;
              },
            });
            return { result, calls, keys: Object.keys(result) };
          };

          expect(run(patched)).toEqual(run(original));
        },
      ),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 300) },
    );
  });
});

describe('the framing of every request (kafkajs protocol/request.js)', () => {
  const file = kafkajsFile('protocol/request.js');
  type Frame = (options: {
    correlationId: number;
    clientId: unknown;
    request: { apiKey: number; apiVersion: number; encode(): Promise<unknown> };
  }) => Promise<{ buffer: Buffer }>;
  const original = require(file) as Frame;
  const patched = compileModule<Frame>(patchRequestFraming(readFileSync(file, 'utf8')), file);
  const Encoder = require('kafkajs/src/protocol/encoder') as new () => {
    writeBuffer(b: Buffer): unknown;
  };
  const framed = async (frame: Frame, options: Parameters<Frame>[0]) => {
    try {
      return (await frame(options)).buffer;
    } catch (error) {
      return `${(error as Error).name}: ${(error as Error).message}`;
    }
  };

  it('frames any request as kafkajs does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 70 }),
        fc.integer({ min: 0, max: 15 }),
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        fc.oneof(fc.constant(null), fc.constant(undefined), text),
        fc.uint8Array({ maxLength: 5_000 }),
        async (apiKey, apiVersion, correlationId, clientId, body) => {
          const options = () => ({
            correlationId,
            clientId,
            request: {
              apiKey,
              apiVersion,
              encode: async () => new Encoder().writeBuffer(Buffer.from(body)),
            },
          });
          const ours = await framed(patched, options());

          expect(Buffer.isBuffer(ours)).toBe(true);
          expect(ours).toEqual(await framed(original, options()));
        },
      ),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 300) },
    );
  });

  it('refuses a payload that is not an Encoder as kafkajs does', async () => {
    const options = {
      correlationId: 1,
      clientId: 'c',
      request: { apiKey: 0, apiVersion: 3, encode: async () => Buffer.from('x') },
    };

    expect(await framed(patched, options)).toEqual(await framed(original, options));
    expect(await framed(patched, options)).toContain('instance of Encoder');
  });
});

describe('the build patch (scripts/build/kafkajs-encoding.mjs)', () => {
  const requestFile = kafkajsFile('protocol/requests/produce/v3/request.js');
  const groupFile = kafkajsFile('producer/groupMessagesPerPartition.js');

  const framingFile = kafkajsFile('protocol/request.js');

  it('matches the modules esbuild resolves in node_modules', () => {
    expect(PRODUCE_REQUEST.test(requestFile)).toBe(true);
    expect(GROUP_MESSAGES.test(groupFile)).toBe(true);
    expect(REQUEST_FRAMING.test(framingFile)).toBe(true);
    expect(REQUEST_FRAMING.test(requestFile)).toBe(false);
  });

  it('refuses sources it was not written for, so an upgrade cannot ship it silently', () => {
    const request = readFileSync(requestFile, 'utf8');
    const group = readFileSync(groupFile, 'utf8');

    expect(() => patchProduceRequest(`${request}\n`)).toThrow('is not the source');
    expect(() => patchGroupMessages(group.replace('[...current, message]', '[message]'))).toThrow(
      'is not the source',
    );
    expect(() => patchGroupMessages(group + group)).toThrow('is not the source');
    const framing = readFileSync(framingFile, 'utf8');
    expect(() => patchRequestFraming(framing.replace('.writeString(clientId)', ''))).toThrow(
      'is not the source',
    );
  });

  it('puts the replacement into a bundle, which encodes as kafkajs does', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(NOW);
    const root = repoRoot();
    // Bundles `contents` (from the repository's root) with the encoding plugin alone.
    const bundle = (contents: string) =>
      build({
        stdin: { contents, resolveDir: root },
        bundle: true,
        platform: 'node',
        format: 'cjs',
        write: false,
        metafile: true,
        logLevel: 'silent',
        plugins: kafkajsPatches().filter((p) => p.name === 'kafkajs-encoding'),
      });
    const result = await bundle(
      "module.exports = require('kafkajs/src/protocol/requests/produce/v3/request')",
    ).catch((error: Error) => error);

    // The grouping and framing modules are not in this bundle: the plugin says so, not passing silently.
    expect(result).toBeInstanceOf(Error);
    expect((result as Error).message).toContain(
      'kafkajs/src/producer/groupMessagesPerPartition.js was not in the bundle',
    );
    expect((result as Error).message).toContain(
      'kafkajs/src/protocol/request.js was not in the bundle',
    );

    const bundled = await bundle(
      "module.exports = { request: require('kafkajs/src/protocol/requests/produce/v3/request'), group: require('kafkajs/src/producer/groupMessagesPerPartition'), frame: require('kafkajs/src/protocol/request') }",
    );
    const inputs = Object.keys(bundled.metafile.inputs).map((i) => path.resolve(root, i));
    const { request: bundledRequest } = compileModule<{ request: (o: unknown) => Request }>(
      bundled.outputFiles[0]?.text ?? '',
      path.join(root, 'bundle.cjs'),
    );
    const options = {
      acks: -1,
      timeout: 30_000,
      topicData: [
        {
          topic: 'spans',
          partitions: [{ partition: 1, messages: [{ key: Buffer.from('k'), value: 'v' }] }],
        },
      ],
    };

    expect(inputs).toContain(PRODUCE_REQUEST_REPLACEMENT);
    expect(await encoded(bundledRequest, options)).toEqual(await encoded(kafkajsRequest, options));
  });
});
