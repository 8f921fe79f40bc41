import { MAPPING } from '../cdk/defaults.js';
import { type FlagSpec, parseFlags, usage } from './cli/flags.js';
import { abortOnSignals } from './cli/interrupt.js';
import type { KplMode } from './generator/traffic.js';
import type { PipelineOptions, PipelineResult } from './pipeline.js';
import { newRunState, type RunState } from './state.js';

/**
 * `npm start`: the whole pipeline on this machine — Kafka and kinesalite started here (unless
 * KAFKA_BROKERS / --kinesis-endpoint name running ones), generated Haystack traffic, the local
 * event source mapping invoking the real handler, and a verification of every span.
 * Exit code 0 when the verdict passes, 1 when it fails, 2 for bad flags, 130 when interrupted.
 */
const FLAGS: Record<string, FlagSpec> = {
  spans: { type: 'int', default: 20_000, min: 1, max: 100_000_000, help: 'spans to generate' },
  duration: {
    type: 'number',
    min: 1,
    max: 86_400,
    help: 'generate for this many seconds instead of --spans',
  },
  rate: {
    type: 'int',
    default: 0,
    min: 0,
    max: 10_000_000,
    help: 'spans per second, 0 = as fast as the stream takes them',
  },
  shards: { type: 'int', default: 4, min: 1, max: 100, help: 'shards of the stream' },
  partitions: {
    type: 'int',
    default: 6,
    min: 1,
    max: 1000,
    help: 'partitions of the span topic (if it is created)',
  },
  'batch-size': {
    type: 'int',
    default: MAPPING.batchSize,
    min: 1,
    max: 10_000,
    help: 'records per invocation',
  },
  'window-ms': {
    type: 'int',
    default: MAPPING.maxBatchingWindowSeconds * 1000,
    min: 0,
    max: 300_000,
    help: 'batching window',
  },
  invalid: { type: 'number', default: 0.02, min: 0, max: 1, help: 'share of invalid spans' },
  kpl: {
    type: 'string',
    default: 'mixed',
    oneOf: ['none', 'all', 'mixed'],
    help: 'KPL aggregation of records',
  },
  seed: {
    type: 'int',
    default: 1,
    min: 0,
    max: 4_294_967_295,
    help: 'seed of the generator (same seed, same traffic)',
  },
  compression: {
    type: 'string',
    // The function's own default (lambda/config.ts).
    default: 'gzip',
    oneOf: ['none', 'gzip', 'snappy', 'lz4', 'zstd'],
    help: 'KAFKA_COMPRESSION of the function',
  },
  topic: { type: 'string', default: process.env.KAFKA_TOPIC ?? 'proto-spans', help: 'span topic' },
  'dlq-topic': {
    type: 'string',
    default: process.env.KAFKA_DLQ_TOPIC ?? 'proto-spans-dlq',
    help: 'dead-letter topic, or none',
  },
  'kinesis-endpoint': {
    type: 'string',
    default: process.env.KINESIS_ENDPOINT,
    help: 'a running Kinesis-compatible endpoint instead of kinesalite here',
  },
  logs: { type: 'boolean', help: "show the function's logs and EMF metrics" },
  json: { type: 'boolean', help: 'print the result as JSON on stdout' },
  quiet: { type: 'boolean', help: 'no progress bar' },
  help: { type: 'boolean', help: 'this text' },
};

async function main(): Promise<number> {
  const say = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  // First, before anything slow loads: a Ctrl-C at any later moment stops the run cleanly and
  // still prints a result.
  const interrupt = abortOnSignals(say);
  let flags: ReturnType<typeof parseFlags>;
  try {
    flags = parseFlags(process.argv.slice(2), FLAGS);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${usage('npm start --', FLAGS)}\n`);
    return 2;
  }
  if (flags.help) {
    process.stdout.write(
      `${usage('npm start --', FLAGS)}\n\nKAFKA_BROKERS=host:port uses a running broker instead of starting one.\n`,
    );
    return 0;
  }
  const options: PipelineOptions = {
    spans: flags.spans as number,
    ...(flags.duration === undefined ? {} : { durationS: flags.duration as number }),
    rate: flags.rate as number,
    shards: flags.shards as number,
    partitions: flags.partitions as number,
    batchSize: flags['batch-size'] as number,
    windowMs: flags['window-ms'] as number,
    invalidShare: flags.invalid as number,
    kpl: flags.kpl as KplMode,
    seed: flags.seed as number,
    compression: flags.compression as string,
    topic: flags.topic as string,
    deadLetterTopic: flags['dlq-topic'] as string,
    ...(flags['kinesis-endpoint'] ? { kinesisEndpoint: flags['kinesis-endpoint'] as string } : {}),
    ...(process.env.KAFKA_BROKERS ? { kafkaBrokers: process.env.KAFKA_BROKERS } : {}),
    logs: flags.logs === true,
    signal: interrupt.signal,
    say,
  };
  const state = newRunState();
  let stopProgress = (): void => undefined;
  try {
    // Loaded here, after the signal handler, because they take a while (kafkajs, the AWS SDK).
    const { runPipeline } = await import('./pipeline.js');
    const { showProgress } = await import('./report/progress.js');
    if (!flags.quiet) stopProgress = showProgress(state);
    const result = await runPipeline(options, state);
    stopProgress();
    await printResult(result, flags.json === true);
    if (interrupt.signal.aborted) return 130;
    return result.verdict.pass ? 0 : 1;
  } catch (error) {
    stopProgress();
    if (!interrupt.signal.aborted) {
      say(`npm start failed: ${(error as Error).stack ?? error}`);
      return 1;
    }
    // Interrupted while starting up or stopping: still a result, with what was done so far.
    say(`stopped while ${state.phase}: ${(error as Error).message}`);
    await printResult(interruptedResult(state), flags.json === true);
    return 130;
  }
}

/** The result of a run stopped before it could verify anything. */
function interruptedResult(state: RunState): PipelineResult {
  const verdict = {
    pass: false,
    lines: [`FAIL interrupted while ${state.phase}, before every record was handled`],
  };
  return { state, verdict, kafkaVersion: 'unknown', shards: [], discarded: [] };
}

async function printResult(result: PipelineResult, json: boolean): Promise<void> {
  if (json) {
    const { invocationMs: _, ...figures } = result.state;
    process.stdout.write(
      `${JSON.stringify({ pass: result.verdict.pass, verdict: result.verdict.lines, figures, kafka: result.kafkaVersion })}\n`,
    );
  } else {
    const { summaryText } = await import('./report/summary.js');
    process.stdout.write(`${summaryText(result)}\n`);
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`${error}\n`);
    process.exit(1);
  },
);
