import Encoder from 'kafkajs/src/protocol/encoder.js';
import { Types } from 'kafkajs/src/protocol/message/compression/index.js';
import { Produce } from 'kafkajs/src/protocol/requests/apiKeys.js';
import Long from 'kafkajs/src/utils/long.js';
import { encodePartition, type PartitionData } from './record-batch.js';

/**
 * kafkajs 2.2.4's Produce request v3 (`src/protocol/requests/produce/v3/request.js`, which v4–v7
 * reuse), byte for byte, with each partition's records written once (record-batch.ts) and the
 * request body assembled in one buffer instead of an Encoder per topic and partition, each
 * grown by doubling and copied into the next.
 *
 * The build puts this in place of kafkajs's module (scripts/build/kafkajs-encoding.mjs,
 * which checks that module's source first); nothing imports it directly.
 */

/** What kafkajs's broker passes to a produce request. */
export interface ProduceRequestOptions {
  acks: number;
  timeout: number;
  transactionalId?: string | null;
  producerId?: unknown;
  producerEpoch?: number;
  compression?: number;
  topicData: ReadonlyArray<{
    topic: string;
    partitions: ReadonlyArray<
      Omit<PartitionData, 'transactionalId' | 'producerId' | 'producerEpoch'>
    >;
  }>;
}

/** The request object kafkajs's connection sends: `encode` resolves to an Encoder. */
export function produceRequest({
  acks,
  timeout,
  transactionalId = null,
  producerId = Long.fromInt(-1),
  producerEpoch = 0,
  compression = Types.None,
  topicData,
}: ProduceRequestOptions) {
  return {
    apiKey: Produce,
    apiVersion: 3,
    apiName: 'Produce',
    expectResponse: () => acks !== 0,
    encode: async (): Promise<Encoder> => {
      const topics: Array<{ name: string; partitions: Buffer[] }> = [];
      let size = stringBytes(transactionalId) + 2 + 4 + 4;
      for (const { topic, partitions } of topicData) {
        const entries: Buffer[] = [];
        for (const data of partitions) {
          const entry = await encodePartition(compression, {
            ...data,
            transactionalId,
            producerId,
            producerEpoch,
          });
          entries.push(entry);
          size += entry.length;
        }
        topics.push({ name: topic, partitions: entries });
        size += stringBytes(topic) + 4;
      }

      const body = Buffer.allocUnsafe(size);
      let pos = writeString(body, 0, transactionalId);
      pos = body.writeInt16BE(acks, pos);
      pos = body.writeInt32BE(timeout, pos);
      pos = body.writeInt32BE(topics.length, pos);
      for (const { name, partitions } of topics) {
        pos = writeString(body, pos, name);
        pos = body.writeInt32BE(partitions.length, pos);
        for (const entry of partitions) {
          body.set(entry, pos);
          pos += entry.length;
        }
      }
      const encoder = new Encoder(0);
      encoder.buf = body;
      encoder.offset = size;
      return encoder;
    },
  };
}

/** kafkajs's `Encoder.writeString`: an int16 length (-1 for null), then UTF-8. */
function stringBytes(value: string | null | undefined): number {
  return value === null || value === undefined ? 2 : 2 + Buffer.byteLength(value, 'utf8');
}

function writeString(buf: Buffer, start: number, value: string | null | undefined): number {
  if (value === null || value === undefined) return buf.writeInt16BE(-1, start);
  const n = Buffer.byteLength(value, 'utf8');
  const pos = buf.writeInt16BE(n, start);
  buf.write(value, pos, n, 'utf8');
  return pos + n;
}
