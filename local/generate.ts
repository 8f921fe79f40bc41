import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { type FlagSpec, parseFlags, usage } from './cli/flags.js';
import { abortOnSignals } from './cli/interrupt.js';
import { limited } from './generator/limit.js';
import { putTraffic } from './generator/put.js';
import { type KplMode, Traffic } from './generator/traffic.js';
import { count, duration } from './report/format.js';

/**
 * `npm run generate -- --stream <name>`: the span generator alone, as a load generator for a
 * real stream (AWS credentials and region from the default chain: env, profile, SSO, role) or
 * any Kinesis-compatible endpoint (`--endpoint`). It only puts traffic; verifying what the
 * deployed collector made of it is left to Kafka-side tools.
 */
const FLAGS: Record<string, FlagSpec> = {
  stream: { type: 'string', help: 'stream to put records on (required)' },
  spans: { type: 'int', default: 10_000, min: 1, max: 1_000_000_000, help: 'spans to put' },
  duration: {
    type: 'number',
    min: 1,
    max: 86_400,
    help: 'put for this many seconds instead of --spans',
  },
  rate: {
    type: 'int',
    default: 1_000,
    min: 0,
    max: 10_000_000,
    help: 'spans per second, 0 = unlimited',
  },
  invalid: { type: 'number', default: 0.02, min: 0, max: 1, help: 'share of invalid spans' },
  kpl: {
    type: 'string',
    default: 'all',
    oneOf: ['none', 'all', 'mixed'],
    help: 'KPL aggregation (haystack-agent aggregates)',
  },
  seed: {
    type: 'int',
    default: 1,
    min: 0,
    max: 4_294_967_295,
    help: 'seed (same seed, same traffic)',
  },
  concurrency: { type: 'int', default: 4, min: 1, max: 64, help: 'PutRecords calls in flight' },
  endpoint: { type: 'string', help: 'a Kinesis-compatible endpoint (kinesalite) instead of AWS' },
  region: { type: 'string', help: 'AWS region (default: the SDK chain, AWS_REGION)' },
  help: { type: 'boolean', help: 'this text' },
};

async function main(): Promise<number> {
  let flags: ReturnType<typeof parseFlags>;
  try {
    flags = parseFlags(process.argv.slice(2), FLAGS);
    if (!flags.help && !flags.stream) throw new Error('Bad flags:\n  --stream is required');
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${usage('npm run generate --', FLAGS)}\n`);
    return 2;
  }
  if (flags.help) {
    process.stdout.write(`${usage('npm run generate --', FLAGS)}\n`);
    return 0;
  }
  const say = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  const interrupt = abortOnSignals(say);
  const client = new KinesisClient({
    ...(flags.region ? { region: flags.region as string } : {}),
    ...(flags.endpoint
      ? {
          endpoint: flags.endpoint as string,
          region: (flags.region as string | undefined) ?? 'us-east-1',
          // kinesalite speaks HTTP/1.1 only, and takes any credentials.
          requestHandler: new NodeHttpHandler(),
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : {}),
  });
  const traffic = new Traffic({
    seed: flags.seed as number,
    invalidShare: flags.invalid as number,
    kpl: flags.kpl as KplMode,
  });
  const started = Date.now();
  const next = limited(
    traffic,
    flags.duration
      ? { until: started + (flags.duration as number) * 1000 }
      : { spans: flags.spans as number },
  );
  let spans = 0;
  const timer = setInterval(() => {
    const s = (Date.now() - started) / 1000;
    say(
      `put ${count(spans)} spans in ${duration(Date.now() - started)} (${count(spans / s)} spans/s)`,
    );
  }, 2_000);
  try {
    const summary = await putTraffic(next, {
      client,
      streamName: flags.stream as string,
      rate: flags.rate as number,
      concurrency: flags.concurrency as number,
      signal: interrupt.signal,
      onStored: (entry) => {
        spans += entry.spans;
      },
    });
    const s = Math.max(0.001, summary.ms / 1000);
    process.stdout.write(
      `${[
        `stream      ${flags.stream}`,
        `spans       ${count(summary.spans)} in ${count(summary.records)} records (${count(summary.refused)} refused by Kinesis)`,
        `rate        ${count(summary.spans / s)} spans/s, ${count(summary.records / s)} records/s over ${duration(summary.ms)}`,
        `shards hit  ${summary.lastSequenceNumbers.size}`,
      ].join('\n')}\n`,
    );
    return interrupt.signal.aborted ? 130 : summary.refused > 0 ? 1 : 0;
  } finally {
    clearInterval(timer);
    client.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`${(error as Error).stack ?? error}\n`);
    process.exit(1);
  },
);
