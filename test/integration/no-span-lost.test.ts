import { expect, it } from 'vitest';
import { MemoryShard, runShard } from '../../local/esm/index.js';
import { useOwnBroker } from '../harness/own-broker.js';
import { randomTopic, readAll, storedCount } from '../harness/topics.js';
import { collector } from '../helpers/collector.js';
import { deadLetterReasons, mixedRecord } from '../helpers/mixed-records.js';

/**
 * The accounting, end to end: tens of thousands of spans, valid and invalid mixed, plain and
 * KPL-aggregated, fed through Lambda's own retry rules (the local event source mapping:
 * re-delivery from the lowest reported record, bisection on a thrown error) while the broker
 * is repeatedly killed, restarted and hung. Afterwards every valid span is in the span topic
 * at least once, every invalid record is in the dead-letter topic, and nothing else is in either.
 */

const broker = useOwnBroker();

/** Which invocations start a fault, and which fault. */
const FAULTS = new Map<number, 'kill' | 'hang'>([
  [8, 'kill'],
  [30, 'hang'],
  [55, 'kill'],
  [80, 'hang'],
]);

it('stores every valid span and dead-letters every invalid record, at least once, through repeated broker faults', async () => {
  const topic = randomTopic('spans');
  const dlq = randomTopic('dlq');
  await broker().createTopic(topic, 4);
  await broker().createTopic(dlq, 2);

  // 25,000 records: most are one valid span; every 10th is a KPL aggregate of 5 spans with one
  // invalid; every 13th is an invalid span; every 97th is not a span at all.
  const valid = new Set<string>();
  const invalid = new Map<string, string>(); // "position/sub" -> reason
  const records = Array.from({ length: 25_000 }, (_, position) => {
    const record = mixedRecord(position);
    for (const span of record.valid) valid.add(span.toString('base64'));
    for (const [sub, reason] of record.invalid) invalid.set(`${position}/${sub}`, reason);
    return record.input;
  });
  const shard = new MemoryShard(records);
  const c = await collector(broker().brokers, {
    KAFKA_TOPIC: topic,
    KAFKA_DLQ_TOPIC: dlq,
    KAFKA_RETRIES: '2',
    KAFKA_REQUEST_TIMEOUT_MS: '2000',
    KAFKA_MAX_BATCH_BYTES: '60000',
    DEADLINE_MARGIN_MS: '500',
  });

  let invocations = 0;
  const faults: Promise<void>[] = [];
  const run = await runShard(shard, c.handler, {
    batchSize: 250,
    bisectBatchOnError: true,
    functionTimeoutMs: 4000,
    retryDelayMs: 200,
    onInvocation: () => {
      const fault = FAULTS.get(++invocations);
      if (fault === 'kill') {
        faults.push(
          broker()
            .kill()
            .then(() => broker().restart()),
        );
      } else if (fault === 'hang') {
        broker().pause();
        faults.push(
          new Promise((resume) => setTimeout(resume, 2500)).then(() => broker().resume()),
        );
      }
    },
  }).finally(() => c.close());
  await Promise.all(faults);

  expect(run.discarded).toEqual([]);
  expect(run.checkpoint).toBe(shard.sequenceNumberAt(shard.length - 1));
  expect(run.stats.partialFailures + run.stats.failures).toBeGreaterThan(0);

  const brokers = broker().brokers;
  const spans = await readAll(brokers, topic, await storedCount(brokers, topic), 120_000);
  const letters = await readAll(brokers, dlq, await storedCount(brokers, dlq), 60_000);

  const stored = new Set(spans.map((m) => (m.value as Buffer).toString('base64')));
  const missing = [...valid].filter((span) => !stored.has(span));
  const foreign = [...stored].filter((span) => !valid.has(span));
  expect(missing).toEqual([]);
  expect(foreign).toEqual([]);

  const lettered = deadLetterReasons(letters);
  expect(lettered).toEqual(invalid);

  console.info(
    `no-span-lost: ${valid.size} valid spans, ${invalid.size} invalid records; ` +
      `${run.stats.invocations} invocations, ${run.stats.retries} retries, ${run.stats.bisections} bisections, ` +
      `${run.stats.partialFailures} partial and ${run.stats.failures} whole failures; ` +
      `duplicates: ${spans.length - valid.size} spans, ${letters.length - invalid.size} dead letters`,
  );
});
