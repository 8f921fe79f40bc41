#!/usr/bin/env node
/**
 * `npm run kafka`: a local Kafka broker in the foreground for `npm run invoke` and
 * `sam local invoke`. It starts the test harness's single-node KRaft broker (Maven Central jars,
 * loopback only), creates the span and dead-letter topics, writes the env-vars file that points
 * the function at it, prints both, and runs until Ctrl-C (or SIGTERM), then stops the broker
 * and deletes its data. Exit code 0 after a clean stop, 1 when the broker cannot start, 2 for
 * bad flags.
 *
 *   npm run kafka                                  # a free port; prints the env file to pass
 *   npm run kafka -- --port 9092                   # events/env.local.json works unchanged
 *   npm run kafka -- --container-host host.docker.internal   # also a listener for Docker Desktop
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type FlagSpec, parseFlags, usage } from '../local/cli/flags.js';
import { startKafka } from '../test/harness/kafka/broker.js';
import { createTopic } from '../test/harness/topics.js';

const FLAGS: Record<string, FlagSpec> = {
  port: {
    type: 'int',
    default: 0,
    min: 0,
    max: 65_535,
    help: 'port of the loopback listener; 0 = one the OS picks',
  },
  partitions: { type: 'int', default: 6, min: 1, max: 1000, help: 'partitions of the span topic' },
  topic: { type: 'string', default: 'proto-spans', help: 'span topic (KAFKA_TOPIC)' },
  'dlq-topic': {
    type: 'string',
    default: 'proto-spans-dlq',
    help: 'dead-letter topic (KAFKA_DLQ_TOPIC), or none',
  },
  'container-host': {
    type: 'string',
    help: 'also listen for containers that reach this machine by this name (Docker Desktop: host.docker.internal)',
  },
  'env-file': {
    type: 'string',
    help: 'write the env-vars file here (kept); default a temp file removed at the end',
  },
  json: { type: 'boolean', default: false, help: 'print the ready line as one JSON object' },
  help: { type: 'boolean', default: false, help: 'this text' },
};

/** The logical ID the env-vars file is keyed by (cdk/defaults.ts FUNCTION_LOGICAL_ID). */
const FUNCTION = 'CollectorFunction';

/** SAM's env-vars format, as events/env.local.json: a plaintext broker, no TLS, no SASL. */
export function envVars(brokers: string, topic: string, dlqTopic: string): unknown {
  return {
    [FUNCTION]: {
      KAFKA_BROKERS: brokers,
      KAFKA_TOPIC: topic,
      KAFKA_DLQ_TOPIC: dlqTopic,
      KAFKA_SSL: 'false',
      KAFKA_SASL_MECHANISM: 'none',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    },
  };
}

async function main(): Promise<number> {
  let flags: ReturnType<typeof parseFlags>;
  try {
    flags = parseFlags(process.argv.slice(2), FLAGS);
  } catch (error) {
    console.error(`kafka: ${(error as Error).message}\n\n${usage('npm run kafka --', FLAGS)}`);
    return 2;
  }
  if (flags.help) {
    console.log(usage('npm run kafka --', FLAGS));
    return 0;
  }
  const topic = String(flags.topic);
  const dlqTopic = String(flags['dlq-topic']);
  const containerHost = flags['container-host'] as string | undefined;
  const say = (line: string): void => console.error(`kafka: ${line}`);

  // Signals are handled from the start, so a Ctrl-C during start-up stops what started too.
  let stopping: (() => void) | undefined;
  const stopped = new Promise<void>((resolve) => {
    stopping = resolve;
  });
  const onSignal = (signal: NodeJS.Signals): void => {
    // A terminal's Ctrl-C reaches tsx and this process both; say it once.
    if (stopping) say(`${signal}: stopping the broker`);
    stopping?.();
    stopping = undefined;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const broker = await startKafka({
    plaintextPort: Number(flags.port) || undefined,
    containerHost,
  });
  const own = flags['env-file'] === undefined;
  const dir = own ? await mkdtemp(path.join(os.tmpdir(), 'haystack-kafka-')) : undefined;
  try {
    await createTopic(broker.brokers, topic, Number(flags.partitions));
    if (dlqTopic !== 'none') await createTopic(broker.brokers, dlqTopic, 1);
    const bootstrap = broker.listeners.plaintext;
    const envFile = dir ? path.join(dir, 'env.json') : path.resolve(String(flags['env-file']));
    await writeFile(envFile, `${JSON.stringify(envVars(bootstrap, topic, dlqTopic), null, 2)}\n`);
    let containerEnvFile: string | undefined;
    if (broker.listeners.container) {
      containerEnvFile = envFile.replace(/(\.json)?$/, '.container.json');
      await writeFile(
        containerEnvFile,
        `${JSON.stringify(envVars(broker.listeners.container, topic, dlqTopic), null, 2)}\n`,
      );
    }
    const ready = {
      version: broker.version,
      bootstrap,
      container: broker.listeners.container,
      topics: dlqTopic === 'none' ? [topic] : [topic, dlqTopic],
      envFile,
      containerEnvFile,
      pid: broker.pid,
    };
    if (flags.json) console.log(JSON.stringify(ready));
    else {
      say(`Kafka ${broker.version} ready, bootstrap ${bootstrap}`);
      say(
        `topics ${topic} (${flags.partitions} partitions)${dlqTopic === 'none' ? '' : `, ${dlqTopic}`}`,
      );
      say(`env file ${envFile}`);
      say(`  npm run invoke -- events/valid-spans.json --env-vars ${envFile}`);
      say(
        `  python3 tools/sam/sam_host_network.py local invoke -t cdk.out/HaystackKinesisCollector.template.json CollectorFunction -e events/valid-spans.json --env-vars ${envFile}   (Linux)`,
      );
      if (containerEnvFile) {
        say(`containers reach it at ${broker.listeners.container}: env file ${containerEnvFile}`);
        say(`  sam local invoke ... --env-vars ${containerEnvFile}`);
      }
      say('Ctrl-C to stop');
    }
    // The harness unrefs the broker's process so tests never hang on it; here it is the point.
    const keepAlive = setInterval(() => undefined, 2 ** 30);
    await stopped;
    clearInterval(keepAlive);
    return 0;
  } finally {
    await broker.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    say('stopped');
  }
}

main().then(
  (code) => {
    process.exit(code);
  },
  (error: unknown) => {
    console.error(`kafka: ${(error as Error).message}`);
    process.exit(1);
  },
);
