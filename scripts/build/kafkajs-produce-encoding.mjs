/**
 * An esbuild plugin that makes kafkajs 2.2.4's producer encode cheaply, with the same bytes:
 *
 * - the Produce request v3 module (which v4–v7 reuse) is replaced by
 *   lambda/kafka/encoding/produce-request.ts, which writes each record once into one buffer per
 *   partition with a slicing-by-16 CRC-32C, instead of a zero-filled buffer per record, a
 *   buffer per varint, BigInt arithmetic per timestamp, five copies and a byte-at-a-time CRC;
 * - `groupMessagesPerPartition` appends each message to its partition's array instead of
 *   copying the array for every message (quadratic in the messages of one request).
 *
 * Both are checked against the pinned source (source-patch.mjs): the request module by its
 * SHA-256, the grouping by an exact match. Any other kafkajs source fails the build. The unit
 * tests (test/unit/kafkajs-produce-encoding.test.ts) prove the output identical to kafkajs's
 * own over random inputs; the bundle test has Kafka's Java consumer verify every batch's CRC.
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

const refusal = (file) =>
  `${file} is not the source scripts/build/kafkajs-produce-encoding.mjs was written for (kafkajs 2.2.4): ` +
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

/** The plugin; the build fails too if either module was never bundled. */
export function kafkajsProduceEncoding() {
  return patchPlugin('kafkajs-produce-encoding', [
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
  ]);
}
