import { jvmArgs } from '../../test/harness/kafka/jvm.js';
import { spawnGuarded } from '../../test/harness/processes.js';
import { benchTopic } from '../lib/kafka.js';
import type { Row } from '../lib/report.js';
import { median } from '../lib/stats.js';

const RECORD_SIZE = 350;

/**
 * Kafka's own Java producer (`ProducerPerformance` from the broker's jars) against the same
 * broker and record size, acks=all: how much the broker takes from a client that pipelines
 * freely. Not the same workload as one Lambda invocation (no keys, no waiting per batch), so
 * it bounds what any Node client could reach here rather than being a floor.
 */
export async function brokerReferenceRows(
  libs: string,
  version: string,
  brokers: string[],
  records: number,
  runs: number,
): Promise<Row[]> {
  const variants: [string, string[]][] = [
    ['Java ProducerPerformance, client defaults', []],
    [
      'Java ProducerPerformance, batch.size=1 MB, linger.ms=5',
      ['batch.size=1048576', 'linger.ms=5'],
    ],
  ];
  const rows: Row[] = [];
  for (const [name, props] of variants) {
    const topic = await benchTopic(brokers, 'bench-java');
    const rates: number[] = [];
    for (let i = 0; i < runs; i++)
      rates.push(await producerPerformance(libs, version, brokers, topic, records, props));
    const rate = median(rates);
    rows.push({
      suite: `broker reference, ${RECORD_SIZE}-byte records, acks=all`,
      name,
      perSecond: rate,
      runtime: 'java 17, full JIT',
      note: `${((rate * RECORD_SIZE) / 1024 / 1024).toFixed(1)} MB/s; ${records.toLocaleString('en-US')} records per run`,
    });
  }
  return rows;
}

/** One ProducerPerformance run; its records/sec figure. */
async function producerPerformance(
  libs: string,
  version: string,
  brokers: string[],
  topic: string,
  records: number,
  props: string[],
): Promise<number> {
  const args = [
    ...jvmArgs(libs, version, { heap: '512m', logLevel: 'WARN', fullJit: true }),
    'org.apache.kafka.tools.ProducerPerformance',
    '--topic',
    topic,
    '--num-records',
    String(records),
    '--record-size',
    String(RECORD_SIZE),
    '--throughput',
    '-1',
    '--producer-props',
    `bootstrap.servers=${brokers.join(',')}`,
    'acks=all',
    'compression.type=none',
    ...props,
  ];
  const child = spawnGuarded('java', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // spawnGuarded unrefs its children so they never hold a process open; this one is waited for.
  child.ref();
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  // The last summary line: "N records sent, R records/sec (M MB/sec), …".
  const summary = [...out.matchAll(/(\d+) records sent, ([\d.]+) records\/sec/g)].at(-1);
  if (code !== 0 || !summary?.[2])
    throw new Error(`ProducerPerformance failed (exit ${code}):\n${out.slice(-2000)}`);
  return Number(summary[2]);
}
