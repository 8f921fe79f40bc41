/**
 * Soak: thousands of warm invocations of the real handler against a real local broker, printing
 * heap and RSS as it goes. Memory must level off: a warm container runs for hours, and a leak of
 * a few bytes per span would end in an out-of-memory kill that fails a whole batch.
 *
 *   npm run soak -- [--invocations 5000] [--records 500]
 *
 * Uses the test harness's broker (Kafka jars from Maven Central) unless KAFKA_BROKERS is set.
 * Not a test: it prints figures; BENCHMARKS.md records a run.
 */
import { parseArgs } from 'node:util';
import type { KinesisStreamEvent } from 'aws-lambda';
import { startKafka } from '../test/harness/kafka/broker.js';
import { createTopic, randomTopic } from '../test/harness/topics.js';
import {
  encodeSpan,
  kinesisEvent,
  kplAggregate,
  lambdaContext,
} from '../test/helpers/factories.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      invocations: { type: 'string', default: '5000' },
      records: { type: 'string', default: '500' },
      every: { type: 'string', default: '250' },
    },
  });
  const invocations = Number(values.invocations);
  const recordsPerEvent = Number(values.records);
  const every = Number(values.every);

  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc)
    console.warn(
      'run with node --expose-gc (npm run soak does) to sample the heap after a collection',
    );

  const external = process.env.KAFKA_BROKERS;
  const broker = external ? undefined : await startKafka();
  const brokers = external ? external.split(',') : (broker?.brokers ?? []);
  const topic = randomTopic('soak');
  const dlq = randomTopic('soak-dlq');
  await createTopic(brokers, topic, 6);
  await createTopic(brokers, dlq, 1);

  Object.assign(process.env, {
    KAFKA_BROKERS: brokers.join(','),
    KAFKA_TOPIC: topic,
    KAFKA_DLQ_TOPIC: dlq,
    KAFKA_SSL: 'false',
    KAFKA_SASL_MECHANISM: 'none',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  const { handler } = await import('../lambda/handler.js');

  // A few distinct events, reused: plain spans, KPL aggregates, ~2% invalid records.
  const events: KinesisStreamEvent[] = Array.from({ length: 8 }, (_, e) =>
    kinesisEvent(
      Array.from({ length: recordsPerEvent }, (_, i) => {
        if (i % 50 === 7) return encodeSpan({ traceId: '' });
        if (i % 10 === 0) return kplAggregate([encodeSpan(), encodeSpan(), encodeSpan()]);
        return encodeSpan();
      }),
      e * recordsPerEvent,
    ),
  );

  const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
  const samples: Array<{ at: number; heap: number; rss: number }> = [];
  console.log(
    `soak: ${invocations} invocations of ${recordsPerEvent} records, Node ${process.version}, Kafka ${broker?.version ?? external}`,
  );
  console.log('invocation  heapUsed MB  rss MB  external MB  arrayBuffers MB  failures');
  let failures = 0;
  const started = Date.now();
  for (let i = 1; i <= invocations; i++) {
    const response = await handler(
      events[i % events.length] as KinesisStreamEvent,
      lambdaContext(30_000),
    );
    if (response.batchItemFailures.length > 0) failures++;
    if (i % every === 0 || i === 1) {
      gc?.();
      const m = process.memoryUsage();
      samples.push({ at: i, heap: m.heapUsed, rss: m.rss });
      console.log(
        `${String(i).padStart(10)}  ${mb(m.heapUsed).padStart(11)}  ${mb(m.rss).padStart(6)}  ${mb(m.external).padStart(11)}  ${mb(m.arrayBuffers).padStart(15)}  ${failures}`,
      );
    }
  }
  const seconds = (Date.now() - started) / 1000;

  // Levelling off: the heap of the last quarter of samples against the second quarter (the first
  // holds warm-up: JIT, connection buffers, kafkajs metadata).
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const quarter = Math.max(1, Math.floor(samples.length / 4));
  const early = median(samples.slice(quarter, 2 * quarter).map((s) => s.heap));
  const late = median(samples.slice(-quarter).map((s) => s.heap));
  const spans = invocations * recordsPerEvent * 1.2;
  console.log(
    `done: ${invocations} invocations in ${seconds.toFixed(0)} s (~${Math.round(spans / seconds)} spans/s), ${failures} answered failures`,
  );
  console.log(
    `heap median, 2nd quarter ${mb(early)} MB -> last quarter ${mb(late)} MB (${late >= early ? '+' : ''}${(((late - early) / early) * 100).toFixed(1)}%), peak rss ${mb(Math.max(...samples.map((s) => s.rss)))} MB`,
  );

  await broker?.stop();
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
