import type { KinesisStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useOwnBroker } from '../harness/own-broker.js';
import { randomTopic, readAll, storedCount } from '../harness/topics.js';
import { type Collector, collector } from '../helpers/collector.js';
import { encodeSpan, kinesisEvent, lambdaContext } from '../helpers/factories.js';

/**
 * Broker faults on a broker of this file's own (killed, restarted, paused): the handler always
 * answers before its deadline, never answers success for what Kafka did not store, and the same
 * warm handler recovers once the broker is back. The README's operations section describes each.
 */

const broker = useOwnBroker();
const PARTITIONS = 4;

async function topicWithCollector(
  env: Record<string, string> = {},
): Promise<{ topic: string; c: Collector }> {
  const topic = randomTopic('faults');
  await broker().createTopic(topic, PARTITIONS);
  return { topic, c: await collector(broker().brokers, { KAFKA_TOPIC: topic, ...env }) };
}

/** Total messages stored in `topic`, from the partitions' high watermarks. */
const stored = (topic: string) => storedCount(broker().brokers, topic, { retry: { retries: 0 } });

const spansOf = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => encodeSpan({ traceId: `${prefix}-${i}` }));
const seq = (event: KinesisStreamEvent, i: number) => event.Records[i]?.kinesis.sequenceNumber;

describe('a warm handler across broker faults', () => {
  let topic: string;
  let c: Collector;

  beforeAll(async () => {
    ({ topic, c } = await topicWithCollector({ KAFKA_RETRIES: '3' }));
  });
  afterAll(() => c.close());

  it('recovers by itself after the broker restarted between two invocations', async () => {
    expect(
      (await c.handler(kinesisEvent(spansOf('before-restart', 5)), lambdaContext()))
        .batchItemFailures,
    ).toEqual([]);

    await broker().restart();
    const response = await c.handler(
      kinesisEvent(spansOf('after-restart', 5), 10),
      lambdaContext(30_000),
    );

    expect(response.batchItemFailures).toEqual([]);
    const read = await readAll(broker().brokers, topic, 10);
    expect(read.filter((m) => m.key?.toString().startsWith('after-restart'))).toHaveLength(5);
    expect(c.producer.stats.rebuilds).toBe(0);
  });

  it('answers before the deadline while the broker hangs, then delivers once it answers again', async () => {
    const event = kinesisEvent(spansOf('hung', 20), 100);
    broker().pause();
    let whileHung: Awaited<ReturnType<typeof c.handler>>;
    const context = lambdaContext(4000);
    let remainingMs: number;
    try {
      whileHung = await c.handler(event, context);
      remainingMs = context.getRemainingTimeInMillis();
    } finally {
      broker().resume();
    }

    expect(whileHung).toStrictEqual({ batchItemFailures: [{ itemIdentifier: seq(event, 0) }] });
    // Answered before Lambda's timeout, which would have failed the whole batch.
    expect(remainingMs).toBeGreaterThan(0);
    // The producer whose requests were still in flight is rebuilt, not waited on.
    expect(c.producer.stats.rebuilds).toBe(1);

    const again = await c.handler(event, lambdaContext(30_000));
    expect(again.batchItemFailures).toEqual([]);
    const read = await readAll(broker().brokers, topic, 30);
    const hung = new Set(read.map((m) => m.key?.toString()).filter((k) => k?.startsWith('hung-')));
    expect(hung.size).toBe(20);
  });
});

it('names the earliest unacknowledged record when the broker dies mid-batch; re-delivery from it completes the batch', async () => {
  // Small requests, one at a time: the 10,000 spans take several hundred requests, so the kill
  // lands in the middle of the batch.
  const { topic, c } = await topicWithCollector({
    KAFKA_MAX_BATCH_BYTES: '4000',
    KAFKA_MAX_IN_FLIGHT: '1',
    KAFKA_RETRIES: '1',
  });
  const spans = spansOf('bulk', 10_000);
  const event = kinesisEvent(spans);
  try {
    const answer = c.handler(event, lambdaContext(20_000));
    while ((await stored(topic)) < 1000) await new Promise((r) => setTimeout(r, 10));
    await broker().kill();
    const response = await answer;

    expect(response.batchItemFailures).toHaveLength(1);
    const named = event.Records.findIndex(
      (r) => r.kinesis.sequenceNumber === response.batchItemFailures[0]?.itemIdentifier,
    );
    // Part of the batch was acknowledged before the kill, and not all of it. (Not "at least
    // 1,000": the broker counts a request it wrote before its acknowledgement reaches us.)
    expect(named).toBeGreaterThan(0);
    expect(named).toBeLessThan(10_000);

    await broker().restart();
    // Everything before the named record, answered as stored, is in the topic already.
    const beforeRedelivery = await readAll(broker().brokers, topic, named, 60_000);
    const storedBefore = new Set(beforeRedelivery.map((m) => m.key?.toString()));
    for (let i = 0; i < named; i++) expect(storedBefore.has(`bulk-${i}`)).toBe(true);

    // What Lambda does next: re-deliver from the named record on.
    const redelivery: KinesisStreamEvent = { Records: event.Records.slice(named) };
    expect((await c.handler(redelivery, lambdaContext(60_000))).batchItemFailures).toEqual([]);

    const count = await stored(topic);
    const read = await readAll(broker().brokers, topic, count, 60_000);
    const keys = new Set(read.map((m) => m.key?.toString()));
    // Every span of every record is stored at least once: the ones before the named record
    // were acknowledged before the kill, the rest came with the re-delivery.
    for (let i = 0; i < spans.length; i++) expect(keys.has(`bulk-${i}`)).toBe(true);
    console.info(
      `mid-batch kill: named record ${named} of 10000, ${read.length - spans.length} duplicates`,
    );
  } finally {
    await c.close();
  }
});
