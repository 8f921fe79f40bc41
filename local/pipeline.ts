import { randomBytes } from 'node:crypto';
import { collectorEnv, type Environment, loadCollector } from './collector.js';
import { kinesisShards, type OnFailureRecord, type ShardRun } from './esm/index.js';
import { limited } from './generator/limit.js';
import { putTraffic } from './generator/put.js';
import { type KplMode, type PutEntry, Traffic } from './generator/traffic.js';
import { ensureTopic, type LocalKafka, useKafka } from './infra/kafka.js';
import { type LocalKinesis, useKinesis } from './infra/kinesis.js';
import { startMapping } from './mapping.js';
import { newRunState, type RunState } from './state.js';
import { LetterCheck, SpanCheck } from './verify/checks.js';
import { Ledger } from './verify/ledger.js';
import { TopicTail } from './verify/tail.js';
import { decideVerdict, type Verdict } from './verify/verdict.js';

/** Everything `npm start` can be told. */
export interface PipelineOptions {
  /** Spans to generate (ignored when `durationS` is set). */
  spans: number;
  /** Generate for this many seconds instead of a fixed count. */
  durationS?: number;
  /** Spans per second; 0 = as fast as the stream takes them. */
  rate: number;
  shards: number;
  partitions: number;
  batchSize: number;
  windowMs: number;
  invalidShare: number;
  kpl: KplMode;
  seed: number;
  compression: string;
  topic: string;
  /** `none` turns dead letters off, as KAFKA_DLQ_TOPIC does. */
  deadLetterTopic: string;
  /** An existing Kinesis-compatible endpoint instead of kinesalite in this process. */
  kinesisEndpoint?: string;
  /** An existing broker (`KAFKA_BROKERS`) instead of starting one. */
  kafkaBrokers?: string;
  /** Show the function's own logs and metrics. */
  logs: boolean;
  signal?: AbortSignal;
  /** Phase messages ("starting Kafka…"). */
  say?: (line: string) => void;
}

/** What a run found. */
export interface PipelineResult {
  state: RunState;
  verdict: Verdict;
  kafkaVersion: string;
  shards: ShardRun[];
  discarded: OnFailureRecord[];
}

/** How long an interrupted run waits for invocations in flight before cleaning up anyway. */
const STOP_GRACE_MS = 3_000;
/** How long the consumer may take to reach the end of the topics after the mapping is done. */
const DRAIN_TIMEOUT_MS = 60_000;

/**
 * The whole pipeline on one machine: a Kafka broker and a Kinesis stream, the span generator
 * putting traffic on the stream, the local event source mapping invoking the real handler per
 * shard, and a consumer checking every message against what was generated. Everything it
 * starts it stops, also when interrupted or when a step fails.
 */
export async function runPipeline(
  options: PipelineOptions,
  state: RunState = newRunState(),
): Promise<PipelineResult> {
  const say = options.say ?? (() => undefined);
  const runId = randomBytes(4).toString('hex');
  const cleanup: (() => Promise<unknown>)[] = [];
  const stopping = new AbortController();
  const onAbort = () => stopping.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) stopping.abort();
  // Set-up steps take seconds (Kafka's JVM above all): an interrupt during one skips the rest.
  const unlessInterrupted = (): void => {
    if (stopping.signal.aborted) throw new Error('interrupted during set-up');
  };
  try {
    say(
      options.kafkaBrokers
        ? `using Kafka at ${options.kafkaBrokers}`
        : 'starting Kafka (test harness broker)…',
    );
    const kafka: LocalKafka = await useKafka(options.kafkaBrokers);
    cleanup.push(() => kafka.stop());
    unlessInterrupted();
    const dlq = options.deadLetterTopic === 'none' ? undefined : options.deadLetterTopic;
    const partitions = await ensureTopic(kafka.brokers, options.topic, options.partitions);
    if (dlq) await ensureTopic(kafka.brokers, dlq, Math.min(3, options.partitions));
    unlessInterrupted();

    say(
      options.kinesisEndpoint
        ? `using Kinesis at ${options.kinesisEndpoint}`
        : 'starting kinesalite…',
    );
    const kinesis: LocalKinesis = await useKinesis(options.kinesisEndpoint, options.shards, runId);
    cleanup.push(() => kinesis.stop());
    unlessInterrupted();

    const newEnvironment = await loadCollector(
      collectorEnv({
        brokers: kafka.brokers,
        topic: options.topic,
        deadLetterTopic: options.deadLetterTopic,
        compression: options.compression,
        logs: options.logs,
      }),
    );
    const environments: Environment[] = [];
    cleanup.push(() =>
      Promise.all(environments.map((e) => e.producer.close().catch(() => undefined))),
    );

    const ledger = new Ledger();
    const spanCheck = new SpanCheck(ledger, partitions);
    const letterCheck = new LetterCheck(ledger);
    const tail = await TopicTail.open(kafka.brokers, dlq ? [options.topic, dlq] : [options.topic]);
    cleanup.push(() => tail.close());
    await tail.follow((topic, message) => {
      if (topic === options.topic) {
        state.spansStored++;
        spanCheck.add(message);
      } else {
        state.lettersStored++;
        letterCheck.add(message);
      }
    });

    // The mapping: one poller per shard, each stopped once it has checkpointed all that was put.
    const shards = await kinesisShards(kinesis.client, kinesis.streamName);
    state.phase = 'running';
    const mapping = startMapping(
      shards,
      () => {
        const environment = newEnvironment();
        environments.push(environment);
        return environment.handler;
      },
      { batchSize: options.batchSize, windowMs: options.windowMs },
      state,
      stopping.signal,
    );

    // The generator, concurrently with the mapping, as producers and Lambda run in AWS.
    say(
      `putting ${options.durationS ? `${options.durationS} s of` : options.spans.toLocaleString('en-US')} spans on ${options.shards} shards…`,
    );
    const traffic = new Traffic({
      seed: options.seed,
      invalidShare: options.invalidShare,
      kpl: options.kpl,
    });
    state.generateStartedAt = Date.now();
    if (options.durationS) state.durationTargetMs = options.durationS * 1000;
    else state.spansTarget = options.spans;
    const fromTraffic = limited(
      traffic,
      options.durationS
        ? { until: state.generateStartedAt + options.durationS * 1000 }
        : { spans: options.spans },
    );
    const next = (): PutEntry | undefined => {
      const entry = fromTraffic();
      if (entry) ledger.expect(entry.expectations);
      return entry;
    };
    const put = await putTraffic(next, {
      client: kinesis.client,
      streamName: kinesis.streamName,
      rate: options.rate,
      concurrency: 4,
      signal: stopping.signal,
      onStored: (entry) => {
        state.spansPut += entry.spans;
        state.recordsPut++;
      },
      onRefused: (entry) => ledger.withdraw(entry.expectations),
    });
    state.generateEndedAt = Date.now();
    mapping.finishAt(put.lastSequenceNumbers);

    state.phase = 'draining';
    const runs = await Promise.race([mapping.done, graceAfterAbort(stopping.signal)]);
    state.mappingEndedAt = Date.now();
    const interrupted = stopping.signal.aborted;

    state.phase = 'verifying';
    const caughtUp = interrupted ? false : await tail.caughtUp(DRAIN_TIMEOUT_MS, stopping.signal);
    const verdict = decideVerdict({
      spanTopic: options.topic,
      expectedSpans: ledger.spans.size,
      spans: spanCheck.finish(),
      letters: dlq ? { topic: dlq, findings: letterCheck.finish() } : undefined,
      expectedLetters: ledger.letters.size,
      discardedRecords: state.recordsDiscarded,
      caughtUp: caughtUp || interrupted,
      interrupted,
    });
    state.phase = 'done';
    return {
      state,
      verdict,
      kafkaVersion: kafka.version,
      shards: runs ?? [],
      discarded: mapping.discarded,
    };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  }
}

/** Resolves `STOP_GRACE_MS` after `signal` aborts, also when it had aborted already. */
function graceAfterAbort(signal: AbortSignal): Promise<undefined> {
  return new Promise((resolve) => {
    const grace = () => setTimeout(() => resolve(undefined), STOP_GRACE_MS);
    if (signal.aborted) grace();
    else signal.addEventListener('abort', grace, { once: true });
  });
}
