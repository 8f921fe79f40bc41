import { createRequire } from 'node:module';
import type { Message, PartitionerArgs, RecordMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { acknowledgedPartitions, unacknowledged } from '../../lambda/kafka/acknowledgements.js';
import { javaPartition } from '../../lambda/kafka/partitioner.js';
import { pinnedJavaPartitioner } from '../../lambda/kafka/pinned-partitioner.js';

const ack = (partition: number, errorCode = 0, topicName = 't'): RecordMetadata => ({
  topicName,
  partition,
  errorCode,
  baseOffset: '0',
});
const partitionMetadata = (count: number) =>
  Array.from({ length: count }, (_, partitionId) => ({
    partitionId,
    leader: 1,
    partitionErrorCode: 0,
    replicas: [1],
    isr: [1],
  }));
const place = (partitioner: (args: PartitionerArgs) => number, message: Message, count: number) =>
  partitioner({ topic: 't', partitionMetadata: partitionMetadata(count), message });

describe('acknowledgedPartitions / unacknowledged', () => {
  it('counts a message only when its partition of its topic was acknowledged without error', () => {
    const sent: Message[] = [0, 1, 2, 1, 3].map((partition) => ({ value: 'v', partition }));
    const acknowledged = acknowledgedPartitions('t', [
      ack(0),
      ack(1),
      ack(2, 6 /* NOT_LEADER */),
      ack(3, 0, 'other-topic'),
    ]);

    expect([...acknowledged]).toEqual([0, 1]);
    expect(unacknowledged(sent, acknowledged)).toEqual([2, 4]);
  });

  it('treats a message the partitioner never placed, and a missing result, as unacknowledged', () => {
    expect(unacknowledged([{ value: 'v' }], acknowledgedPartitions('t', undefined))).toEqual([0]);
  });
});

describe('pinnedJavaPartitioner', () => {
  it("places keyed messages where Java's partitioner does and pins the choice on the message", () => {
    const partitioner = pinnedJavaPartitioner();
    const message: Message = { key: Buffer.from('trace-1'), value: 'v' };

    const first = place(partitioner, message, 6);

    expect(first).toBe(javaPartition(Buffer.from('trace-1'), 6));
    expect(message.partition).toBe(first);
  });

  it('keeps a message on its first partition when a retry sees more partitions', () => {
    const partitioner = pinnedJavaPartitioner();
    const keys = Array.from({ length: 50 }, (_, i) => `trace-${i}`);
    const messages: Message[] = keys.map((k) => ({ key: k, value: 'v' }));
    for (const m of messages) place(partitioner, m, 6);

    const retried = messages.map((m) => place(partitioner, m, 9));

    expect(retried).toEqual(keys.map((k) => javaPartition(Buffer.from(k), 6)));
    // Unpinned, some of them would have moved:
    expect(
      keys.some((k) => javaPartition(Buffer.from(k), 9) !== javaPartition(Buffer.from(k), 6)),
    ).toBe(true);
  });

  it('spreads unkeyed messages round robin, each pinned to its turn', () => {
    const partitioner = pinnedJavaPartitioner();
    const messages: Message[] = Array.from({ length: 4 }, () => ({ key: null, value: 'v' }));

    const first = messages.map((m) => place(partitioner, m, 3));
    const again = messages.map((m) => place(partitioner, m, 3));

    expect(first).toEqual([0, 1, 2, 0]);
    expect(again).toEqual(first);
  });
});

/**
 * kafkajs #1303 reproduced in kafkajs 2.2.4's own produce path (`src/producer/sendMessages.js`)
 * with two fake brokers: broker 1 answers, broker 2 answers NOT_LEADER_FOR_PARTITION, and the
 * refreshed metadata moves broker 2's partition to broker 1. kafkajs's retry sends broker 1
 * nothing more (it "already answered") and resolves: the guard is what notices.
 */
describe('kafkajs #1303 through kafkajs’s own sendMessages', () => {
  const require = createRequire(__filename);
  type SendMessages = (
    options: Record<string, unknown>,
  ) => (request: {
    acks: number;
    timeout: number;
    topicMessages: Array<{ topic: string; messages: Message[] }>;
  }) => Promise<RecordMetadata[]>;
  const sendMessages = require('kafkajs/src/producer/sendMessages') as SendMessages;
  const createRetry = require('kafkajs/src/retry') as (o: object) => unknown;
  const { createErrorFromCode } = require('kafkajs/src/protocol/error') as {
    createErrorFromCode(code: number): Error;
  };
  const { KafkaJSProtocolError } = require('kafkajs/src/errors') as {
    KafkaJSProtocolError: new (e: Error) => Error;
  };

  it('resolves without writing the moved partition, and the per-partition check names its messages', async () => {
    // Partitions 0 and 1 on broker 1, partition 2 on broker 2; then partition 2 moves to broker 1.
    let leaders = [1, 1, 2];
    const written: Array<{ node: number; partitions: number[] }> = [];
    const broker = (node: number) => ({
      nodeId: node,
      produce: async ({
        topicData,
      }: {
        topicData: Array<{ topic: string; partitions: Array<{ partition: number }> }>;
      }) => {
        const partitions = topicData.flatMap((t) => t.partitions.map((p) => p.partition));
        if (node === 2) {
          leaders = [1, 1, 1];
          throw new KafkaJSProtocolError(createErrorFromCode(6));
        }
        written.push({ node, partitions });
        return {
          topics: [
            {
              topicName: 't',
              partitions: partitions.map((partition) => ({
                partition,
                errorCode: 0,
                baseOffset: '0',
              })),
            },
          ],
        };
      },
    });
    const brokers = new Map([1, 2].map((n) => [n, broker(n)]));
    const cluster = {
      refreshMetadataIfNecessary: async () => undefined,
      refreshMetadata: async () => undefined,
      addMultipleTargetTopics: async () => undefined,
      isConnected: () => true,
      findTopicPartitionMetadata: () =>
        leaders.map((leader, partitionId) => ({ partitionId, leader })),
      findLeaderForPartitions: (_topic: string, partitions: string[]) => {
        const byLeader: Record<number, number[]> = {};
        for (const p of partitions.map(Number)) {
          const leader = leaders[p] as number;
          byLeader[leader] = [...(byLeader[leader] ?? []), p];
        }
        return byLeader;
      },
      findBroker: async ({ nodeId }: { nodeId: number | string }) => brokers.get(Number(nodeId)),
    };
    const eosManager = {
      isTransactional: () => false,
      acquireBrokerLock: async () => undefined,
      releaseBrokerLock: async () => undefined,
      getSequence: () => 0,
      updateSequence: () => undefined,
      getProducerId: () => -1,
      getProducerEpoch: () => 0,
    };
    const logger = { debug: () => undefined, error: () => undefined };
    const send = sendMessages({
      logger,
      cluster,
      eosManager,
      partitioner: pinnedJavaPartitioner(),
      retrier: createRetry({ retries: 3, initialRetryTime: 1, maxRetryTime: 5 }),
    });
    const keys = Array.from({ length: 30 }, (_, i) => `trace-${i}`);
    const messages: Message[] = keys.map((key) => ({ key, value: 'span' }));

    const metadata = await send({
      acks: -1,
      timeout: 1000,
      topicMessages: [{ topic: 't', messages }],
    });

    const onPartition2 = keys.flatMap((k, i) =>
      javaPartition(Buffer.from(k), 3) === 2 ? [i] : [],
    );
    expect(onPartition2.length).toBeGreaterThan(0);
    // kafkajs resolved; broker 1 was never sent partition 2.
    expect(written.flatMap((w) => w.partitions)).not.toContain(2);
    expect(unacknowledged(messages, acknowledgedPartitions('t', metadata))).toEqual(onPartition2);
  });
});
