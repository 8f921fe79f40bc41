/**
 * An esbuild plugin that makes kafkajs 2.2.4 encode what it sends cheaply, with the same bytes:
 *
 * - the Produce request v3 module (which v4–v7 reuse) is replaced by
 *   lambda/kafka/encoding/produce-request.ts, which writes each record once into one buffer per
 *   partition with a slicing-by-16 CRC-32C, instead of a zero-filled buffer per record, a
 *   buffer per varint, BigInt arithmetic per timestamp, five copies and a byte-at-a-time CRC;
 * - `groupMessagesPerPartition` appends each message to its partition's array instead of
 *   copying the array for every message (quadratic in the messages of one request);
 * - the framing of every request (`protocol/request.js`: size, API key and version,
 *   correlation id, client id) is written into one buffer of the exact size, instead of two
 *   zero-filled buffers of the next power of two, each holding a copy of the whole request.
 *
 * Each is checked against the pinned source (source-patch.mjs): the request module by its
 * SHA-256, the others by an exact match. Any other kafkajs source fails the build. The unit
 * tests (test/unit/kafkajs-encoding.test.ts) prove the output identical to kafkajs's own over
 * random inputs; the bundle test has Kafka's Java consumer verify every batch's CRC.
 */
import { fileURLToPath } from 'node:url';
import { patchPlugin, replaceOnce, requireSha256 } from './source-patch.mjs';

/** kafkajs's Produce request v3, as esbuild resolves it inside node_modules. */
export const PRODUCE_REQUEST =
  /[\\/]kafkajs[\\/]src[\\/]protocol[\\/]requests[\\/]produce[\\/]v3[\\/]request\.js$/;
/** The SHA-256 of that file in kafkajs 2.2.4. */
export const PRODUCE_REQUEST_SHA256 =
  '993a3db997827088f5acb08cacf3c67a99ec2886303ff465d244329b8a1c7f99';
/** What replaces it. */
export const PRODUCE_REQUEST_REPLACEMENT = fileURLToPath(
  new URL('../../lambda/kafka/encoding/produce-request.ts', import.meta.url),
);

/** kafkajs's grouping of a send's messages by partition. */
export const GROUP_MESSAGES =
  /[\\/]kafkajs[\\/]src[\\/]producer[\\/]groupMessagesPerPartition\.js$/;

const GROUP_BEFORE = `  return messages.reduce((result, message) => {
    const partition = partitioner({ topic, partitionMetadata, message })
    const current = result[partition] || []
    return Object.assign(result, { [partition]: [...current, message] })
  }, {})`;
const GROUP_AFTER = `  const result = {}
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message })
    const current = result[partition]
    if (current) current.push(message)
    else result[partition] = [message]
  }
  return result`;

/** kafkajs's framing of every request it sends. */
export const REQUEST_FRAMING = /[\\/]kafkajs[\\/]src[\\/]protocol[\\/]request\.js$/;

const FRAMING_BEFORE = `  const payload = await encode()
  const requestPayload = new Encoder()
    .writeInt16(apiKey)
    .writeInt16(apiVersion)
    .writeInt32(correlationId)
    .writeString(clientId)
    .writeEncoder(payload)

  return new Encoder().writeInt32(requestPayload.size()).writeEncoder(requestPayload)`;
// The header is 10 bytes and the client id; a payload that is not an Encoder is refused by
// writeEncoder as before. Every byte of the buffer is written, so it need not be zeroed.
const FRAMING_AFTER = `  const payload = await encode()
  const payloadSize = payload != null && Buffer.isBuffer(payload.buf) ? payload.size() : 0
  const size = 10 + (clientId == null ? 0 : Buffer.byteLength(clientId, 'utf8')) + payloadSize
  const request = new Encoder(0)
  request.buf = Buffer.allocUnsafe(4 + size)
  return request
    .writeInt32(size)
    .writeInt16(apiKey)
    .writeInt16(apiVersion)
    .writeInt32(correlationId)
    .writeString(clientId)
    .writeEncoder(payload)`;

const refusal = (file) =>
  `${file} is not the source scripts/build/kafkajs-encoding.mjs was written for (kafkajs 2.2.4): ` +
  'check what the new release changed, then update the replacement and its pin, or remove the patch';

/** The module that replaces the produce request; throws unless `source` is kafkajs 2.2.4's. */
export function patchProduceRequest(
  source,
  file = 'kafkajs/src/protocol/requests/produce/v3/request.js',
) {
  requireSha256(source, PRODUCE_REQUEST_SHA256, refusal(file));
  return `module.exports = require(${JSON.stringify(PRODUCE_REQUEST_REPLACEMENT)}).produceRequest\n`;
}

/** The grouping with a linear loop; throws unless it matches exactly once. */
export function patchGroupMessages(
  source,
  file = 'kafkajs/src/producer/groupMessagesPerPartition.js',
) {
  return replaceOnce(source, GROUP_BEFORE, GROUP_AFTER, refusal(file));
}

/** The framing in one exact buffer; throws unless it matches exactly once. */
export function patchRequestFraming(source, file = 'kafkajs/src/protocol/request.js') {
  return replaceOnce(source, FRAMING_BEFORE, FRAMING_AFTER, refusal(file));
}

/** The modules this patch changes, and how (for the plugin and for the tests' require hook). */
export const ENCODING_PATCHES = [
  {
    module: PRODUCE_REQUEST,
    file: 'kafkajs/src/protocol/requests/produce/v3/request.js',
    patch: patchProduceRequest,
  },
  {
    module: GROUP_MESSAGES,
    file: 'kafkajs/src/producer/groupMessagesPerPartition.js',
    patch: patchGroupMessages,
  },
  {
    module: REQUEST_FRAMING,
    file: 'kafkajs/src/protocol/request.js',
    patch: patchRequestFraming,
  },
];

/** The plugin; the build fails too if any of the modules was never bundled. */
export function kafkajsEncoding() {
  return patchPlugin('kafkajs-encoding', ENCODING_PATCHES);
}
