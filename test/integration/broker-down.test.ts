import { afterAll, beforeAll, expect, it } from 'vitest';
import { useOwnBroker } from '../harness/own-broker.js';
import { randomTopic, readAll } from '../harness/topics.js';
import { type Collector, collector } from '../helpers/collector.js';
import { encodeSpan, kinesisEvent, lambdaContext } from '../helpers/factories.js';

/** The failure answer when the broker is gone, and the recovery once it is back. */

const broker = useOwnBroker();
const topic = randomTopic('down');
let c: Collector;

beforeAll(async () => {
  await broker().createTopic(topic, 3);
  c = await collector(broker().brokers, { KAFKA_TOPIC: topic, KAFKA_RETRIES: '2' });
});
afterAll(() => c?.close());

it('names the first record when the broker is down, answers within the deadline, and delivers once it is back', async () => {
  const warmUp = kinesisEvent([encodeSpan({ traceId: 'before' })]);
  expect((await c.handler(warmUp, lambdaContext())).batchItemFailures).toEqual([]);

  await broker().kill();
  const event = kinesisEvent(
    Array.from({ length: 50 }, (_, i) => encodeSpan({ traceId: `during-${i}` })),
    100,
  );
  const context = lambdaContext(6000);
  const whileDown = await c.handler(event, context);

  expect(whileDown).toStrictEqual({
    batchItemFailures: [{ itemIdentifier: event.Records[0]?.kinesis.sequenceNumber }],
  });
  // Answered while Lambda would still be waiting: a timeout would fail the whole batch.
  expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);

  await broker().restart();
  // Lambda re-delivers the same records from the one named; the warm producer reconnects.
  const afterRestart = await c.handler(event, lambdaContext(30_000));

  expect(afterRestart).toStrictEqual({ batchItemFailures: [] });
  const read = await readAll(broker().brokers, topic, 51);
  const keys = new Set(read.map((m) => m.key?.toString()));
  for (let i = 0; i < 50; i++) expect(keys.has(`during-${i}`)).toBe(true);
});
