import { expect } from 'vitest';
import { MemoryShard, type Outcome, runShard, type ShardRun } from '../../local/esm/index.js';
import { kafkajsModulePatches } from '../../scripts/build/kafkajs-patches.mjs';
import { sharedCluster } from '../harness/cluster-context.js';
import { fullyReplicated, waitForPartitions } from '../harness/kafka/cluster-admin.js';
import { patchedKafkajsFiles } from '../harness/patched-kafkajs.js';
import {
  createTopic,
  type ReadMessage,
  randomTopic,
  readAll,
  storedCount,
} from '../harness/topics.js';
import { type Collector, collector } from '../helpers/collector.js';
import { encodeSpan } from '../helpers/factories.js';
import { deadLetterReasons, type MixedRecord } from '../helpers/mixed-records.js';

/**
 * One fault under load, the way production meets it: a live shard fed at a steady rate, read by
 * the local event source mapping with Lambda's rules (local/esm: checkpoint at the lowest
 * reported record, re-delivery, bisection) into the warm handler, while the fault runs against
 * the shared cluster, so spans are in flight while leaders move. Afterwards every span of the
 * shard must be in the topic (the shard was checkpointed to its end: every record was answered
 * as stored), and duplicates are counted. Route topics are read back too, for the test to check.
 */

/** Options of {@link underFault}. */
export interface FaultOptions {
  /** The span topic's name; default a fresh random one. */
  topic?: string;
  /** Partitions of the fresh span topic (replication factor 3); default 6. */
  partitions?: number;
  /**
   * Topics the function's routes write (named in `env`'s `ROUTES`): created like the span topic,
   * read back into {@link FaultResult.routed}, and in sync again before the run returns.
   */
  routeTopics?: string[];
  /** Replicas per partition (preferred leader first) of any of these topics, by name. */
  replicas?: Record<string, number[][]>;
  /** Extra function environment (`KAFKA_TOPIC` and the cluster's brokers are set). */
  env?: Record<string, string>;
  /** Records per second put on the shard while the fault runs; default 5,000. */
  rate?: number;
  /** The record at each position of the shard; default one valid span. */
  record?: (position: number) => MixedRecord;
  /** Creates a dead-letter topic too (`KAFKA_DLQ_TOPIC`) and reads it back. */
  deadLetters?: boolean;
  /** Builds the handler instead of the default plaintext collector (e.g. SASL). */
  collector?: (env: Record<string, string>) => Promise<Collector>;
  /** Runs with the fresh topic before the load starts. */
  prepare?: (topic: string) => Promise<void>;
}

/** What a fault can wait for: the handler's answers, as the mapping reads them. */
export interface FaultContext {
  topic: string;
  collector: Collector;
  /** Resolves at the next invocation answered with a failure (partial or whole). */
  nextFailure(): Promise<void>;
  /** Resolves once `records` more records were answered as stored. */
  stored(records: number): Promise<void>;
}

/** What one run under a fault stored. */
export interface FaultResult {
  topic: string;
  run: ShardRun;
  /** The handler's producers, closed by now; their stats and errors stay readable. */
  collector: Collector;
  /** Records put on the shard, and the valid spans they held. */
  records: number;
  spans: number;
  /** Shard positions of records answered as stored with a span not in the topic: must be empty. */
  missing: number[];
  /** Messages in the topic beyond one per valid span (re-deliveries; at least once). */
  duplicates: number;
  /** Messages in the topic that are no span of the shard: must be 0. */
  foreign: number;
  /** Messages kafkajs skipped (kafkajs #1303) that the producer caught and sent again. */
  skipped: number;
  /** Span topic messages, in partition and offset order. */
  stored: ReadMessage[];
  /** Each route topic's messages, the same way. */
  routed: Map<string, ReadMessage[]>;
  /** With `deadLetters`: expected and stored dead letters, `"position/sub"` -> reason. */
  invalid: Map<string, string>;
  lettered: Map<string, string>;
  letters: number;
}

const BATCH = 500;

const validSpan = (position: number): MixedRecord => {
  const data = encodeSpan({ traceId: `trace-${position % 7919}` });
  return { input: { data, partitionKey: 'pk' }, valid: [data], invalid: new Map() };
};

/**
 * Starts the load, waits until the handler has stored a first batch (the producer is warm and
 * requests are in flight), runs `fault`, keeps the load on until the handler has stored two
 * batches after the fault too, then drains the shard and reads the topics back.
 */
export async function underFault(
  fault: (context: FaultContext) => Promise<void>,
  options: FaultOptions = {},
): Promise<FaultResult> {
  const cluster = sharedCluster();
  await allBrokersUp(cluster);
  const topic = options.topic ?? randomTopic('cluster');
  const dlq = options.deadLetters ? randomTopic('cluster-dlq') : undefined;
  const routeTopics = options.routeTopics ?? [];
  for (const name of [topic, ...routeTopics]) {
    await createTopic(cluster.brokers, name, options.partitions ?? 6, {
      replicationFactor: 3,
      ...(options.replicas?.[name] && { replicas: options.replicas[name] }),
    });
  }
  if (dlq) await createTopic(cluster.brokers, dlq, 2, { replicationFactor: 3 });
  await options.prepare?.(topic);
  const env = { KAFKA_TOPIC: topic, ...(dlq && { KAFKA_DLQ_TOPIC: dlq }), ...options.env };
  const c = options.collector
    ? await options.collector(env)
    : await collector(cluster.bootstrap.plaintext, env);

  const shard = new MemoryShard();
  const recordAt = options.record ?? validSpan;
  // Each valid span's bytes (base64) -> the shard position of its record.
  const sent = new Map<string, number>();
  const invalid = new Map<string, string>();
  let records = 0;
  const feed = (): string | undefined => {
    const inputs = Array.from({ length: BATCH }, () => {
      const position = records++;
      const record = recordAt(position);
      for (const span of record.valid) sent.set(span.toString('base64'), position);
      for (const [sub, reason] of record.invalid) invalid.set(`${position}/${sub}`, reason);
      return record.input;
    });
    return shard.append(...inputs).at(-1);
  };

  const watch = new Answers();
  let last = feed();
  let checkpoint: string | undefined;
  let caughtUp: (() => void) | undefined;
  const abort = new AbortController();
  const running = runShard(shard, c.handler, {
    batchSize: BATCH,
    maxBatchingWindowMs: 100,
    bisectBatchOnError: true,
    functionTimeoutMs: 60_000,
    pollIntervalMs: 20,
    retryDelayMs: 100,
    stopWhenCaughtUp: false,
    signal: abort.signal,
    onInvocation: ({ outcome, records: count }) => watch.answered(outcome.kind, count),
    onCheckpoint: (sequenceNumber) => {
      checkpoint = sequenceNumber;
      if (checkpoint === last) caughtUp?.();
    },
  });

  const timer = setInterval(
    () => {
      last = feed();
    },
    (1000 * BATCH) / (options.rate ?? 5_000),
  );
  let run: ShardRun;
  try {
    await watch.stored(BATCH);
    await fault({
      topic,
      collector: c,
      nextFailure: () => watch.nextFailure(),
      stored: (count) => watch.stored(count),
    });
    await watch.stored(2 * BATCH);
    clearInterval(timer);
    await new Promise<void>((resolve) => {
      caughtUp = resolve;
      if (checkpoint === last) resolve();
    });
    abort.abort();
    run = await running;
  } finally {
    clearInterval(timer);
    abort.abort();
    await running.catch(() => undefined);
    await c.close();
    // Whatever the fault did or where it failed, the next test finds every broker running.
    await allBrokersUp(cluster);
  }

  const read = async (name: string) =>
    readAll(cluster.brokers, name, await storedCount(cluster.brokers, name), 120_000);
  const [stored, letters, ...routes] = await Promise.all([
    read(topic),
    dlq ? read(dlq) : [],
    ...routeTopics.map((name) => read(name)),
  ]);
  const routed = new Map(routeTopics.map((name, i) => [name, routes[i] as ReadMessage[]]));
  // What ran is the producer that ships: kafkajs with every patch the bundle applies.
  expect(patchedKafkajsFiles().sort()).toEqual(
    kafkajsModulePatches()
      .map((p) => p.file)
      .sort(),
  );
  const values = new Set(stored.map((m) => (m.value as Buffer).toString('base64')));
  // The next test starts on a healthy cluster: every replica of these topics back in sync.
  for (const name of [topic, ...routeTopics]) {
    await waitForPartitions(cluster.brokers, name, fullyReplicated, { what: 'replicas in sync' });
  }
  return {
    topic,
    run,
    collector: c,
    records,
    spans: sent.size,
    missing: [...new Set([...sent].filter(([span]) => !values.has(span)).map(([, p]) => p))],
    duplicates: stored.length - sent.size,
    foreign: stored.filter((m) => !sent.has((m.value as Buffer).toString('base64'))).length,
    skipped: c.producer.stats.skipped,
    stored,
    routed,
    invalid: dlq ? invalid : new Map(),
    lettered: deadLetterReasons(letters),
    letters: letters.length,
  };
}

/** Starts every broker that is not running (a fault that failed half way leaves some down). */
async function allBrokersUp(cluster: ReturnType<typeof sharedCluster>): Promise<void> {
  await Promise.all(cluster.nodes.map(({ id }) => cluster.control.start(id)));
}

type Waiter = { resolve: () => void } & ({ kind: 'stored'; at: number } | { kind: 'failure' });

/** The handler's answers as they come, for faults that wait on them. */
class Answers {
  private storedRecords = 0;
  private waiters: Waiter[] = [];

  answered(kind: Outcome['kind'], records: number): void {
    if (kind === 'success') this.storedRecords += records;
    this.waiters = this.waiters.filter((w) => {
      const done = w.kind === 'stored' ? this.storedRecords >= w.at : kind !== 'success';
      if (done) w.resolve();
      return !done;
    });
  }

  stored(records: number): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push({ kind: 'stored', at: this.storedRecords + records, resolve });
    });
  }

  nextFailure(): Promise<void> {
    return new Promise((resolve) => this.waiters.push({ kind: 'failure', resolve }));
  }
}

/** One line for the test output: what the run did and how many duplicates it wrote. */
export function describeRun(name: string, result: FaultResult): string {
  const { stats } = result.run;
  return (
    `${name}: ${result.spans} spans in ${result.records} records, ${stats.invocations} invocations ` +
    `(${stats.partialFailures} partial, ${stats.failures} failed, ${stats.retries} retries); ` +
    `kafkajs skipped ${result.skipped} (caught, sent again); ` +
    `missing ${result.missing.length}, duplicates ${result.duplicates}`
  );
}
