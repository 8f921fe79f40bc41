import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { hasClass, runTool, type ToolRun } from './java-runner.js';

/**
 * Cluster operations a fault test drives, from any process: reading leaders and in-sync
 * replicas, and what an operator (or MSK) does to a running cluster: preferred leader
 * election, partition reassignment, adding partitions, rotating a SCRAM password, reading a
 * broker metric. The changes run Kafka's own tool classes from the harness jars (the Admin API
 * as Kafka ships it), never kafkajs's admin; only the metadata reads use kafkajs.
 */

/** One partition as the cluster's metadata describes it. */
export interface PartitionState {
  partition: number;
  /** Node id of the leader; -1 while there is none. */
  leader: number;
  replicas: number[];
  isr: number[];
}

/** The topic's partitions, by partition number, as one broker's metadata says. */
export async function topicPartitions(brokers: string[], topic: string): Promise<PartitionState[]> {
  const admin = new Kafka({
    clientId: 'harness-cluster-admin',
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 2 },
  }).admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    const partitions = topics.find((t) => t.name === topic)?.partitions ?? [];
    return partitions
      .map(({ partitionId, leader, replicas, isr }) => ({
        partition: partitionId,
        leader,
        replicas: [...replicas],
        isr: [...isr],
      }))
      .sort((a, b) => a.partition - b.partition);
  } finally {
    await admin.disconnect();
  }
}

/** Options of {@link waitForPartitions}. */
export interface WaitOptions {
  /** Guard against a cluster that never gets there; the wait itself is for the event. */
  timeoutMs?: number;
  what?: string;
}

/**
 * Polls the topic's metadata until `ready` holds for its partitions, and returns them. Used to
 * wait for the event a fault test needs (a replica back in sync, a leader moved) rather than
 * sleeping for a guessed time.
 */
export async function waitForPartitions(
  brokers: string[],
  topic: string,
  ready: (partitions: PartitionState[]) => boolean,
  options: WaitOptions = {},
): Promise<PartitionState[]> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  let last: PartitionState[] = [];
  for (;;) {
    last = await topicPartitions(brokers, topic).catch(() => last);
    if (last.length > 0 && ready(last)) return last;
    if (Date.now() > deadline) {
      throw new Error(
        `${topic}: ${options.what ?? 'partitions not ready'} in time; last metadata: ${JSON.stringify(last)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Every partition has a leader and all its replicas in sync. */
export function fullyReplicated(partitions: PartitionState[]): boolean {
  return partitions.every((p) => p.leader >= 0 && p.isr.length === p.replicas.length);
}

/** Every partition is led by its preferred (first) replica. */
export function preferredLeaders(partitions: PartitionState[]): boolean {
  return partitions.every((p) => p.leader === p.replicas[0]);
}

/** The node leading the most partitions of the topic (the lowest id on a tie). */
export function leaderOfMost(partitions: PartitionState[]): number {
  const counts = new Map<number, number>();
  for (const { leader } of partitions) counts.set(leader, (counts.get(leader) ?? 0) + 1);
  const [best] = [...counts].filter(([id]) => id >= 0).sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  if (!best) throw new Error('No partition has a leader');
  return best[0];
}

/** Runs Kafka's `kafka-leader-election` for the topic's partitions: leaders go back to their preferred replica. */
export async function electPreferredLeaders(
  libs: string,
  bootstrap: string,
  topic: string,
  partitions: number[],
): Promise<void> {
  await withJsonFile(
    { partitions: partitions.map((partition) => ({ topic, partition })) },
    async (file) => {
      const run = await runTool(
        libs,
        [
          'org.apache.kafka.tools.LeaderElectionCommand',
          '--bootstrap-server',
          bootstrap,
          '--election-type',
          'PREFERRED',
          '--path-to-json-file',
          file,
        ],
        { timeoutMs: 60_000 },
      );
      expectSuccess('kafka-leader-election', run);
    },
  );
}

/**
 * Runs Kafka's `kafka-reassign-partitions --execute` with `replicas[p]` as partition p's new
 * replica list, then `--verify` until the reassignment is complete.
 */
export async function reassignPartitions(
  libs: string,
  bootstrap: string,
  topic: string,
  replicas: number[][],
): Promise<void> {
  const plan = {
    version: 1,
    partitions: replicas.map((r, partition) => ({ topic, partition, replicas: r })),
  };
  const tool = 'org.apache.kafka.tools.reassign.ReassignPartitionsCommand';
  await withJsonFile(plan, async (file) => {
    const args = ['--bootstrap-server', bootstrap, '--reassignment-json-file', file];
    expectSuccess(
      'kafka-reassign-partitions --execute',
      await runTool(libs, [tool, ...args, '--execute'], { timeoutMs: 60_000 }),
    );
    const deadline = Date.now() + 120_000;
    for (;;) {
      const run = await runTool(libs, [tool, ...args, '--verify'], { timeoutMs: 60_000 });
      expectSuccess('kafka-reassign-partitions --verify', run);
      if (!/in progress/i.test(run.stdout)) return;
      if (Date.now() > deadline) throw new Error(`Reassignment still in progress:\n${run.stdout}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  });
}

/** Runs Kafka's `kafka-topics --alter --partitions`: the topic grows to `total` partitions. */
export async function addPartitions(
  libs: string,
  bootstrap: string,
  topic: string,
  total: number,
): Promise<void> {
  const run = await runTool(
    libs,
    [
      'org.apache.kafka.tools.TopicCommand',
      '--bootstrap-server',
      bootstrap,
      '--alter',
      '--topic',
      topic,
      '--partitions',
      String(total),
    ],
    { timeoutMs: 60_000 },
  );
  expectSuccess('kafka-topics --alter', run);
}

/**
 * Runs Kafka's `kafka-configs --alter --add-config SCRAM-SHA-512=[password=…]`: the user's
 * password changes on the cluster; connections already authenticated stay so until they
 * re-authenticate or reconnect.
 */
export async function setScramPassword(
  libs: string,
  bootstrap: string,
  mechanism: 'SCRAM-SHA-512' | 'SCRAM-SHA-256',
  username: string,
  password: string,
): Promise<void> {
  const tool = (await hasClass(libs, 'org.apache.kafka.tools.ConfigCommand'))
    ? 'org.apache.kafka.tools.ConfigCommand'
    : 'kafka.admin.ConfigCommand';
  const run = await runTool(
    libs,
    [
      tool,
      '--bootstrap-server',
      bootstrap,
      '--alter',
      '--add-config',
      `${mechanism}=[password=${password}]`,
      '--entity-type',
      'users',
      '--entity-name',
      username,
    ],
    { timeoutMs: 60_000 },
  );
  expectSuccess('kafka-configs --alter', run);
}

/**
 * Reads numeric attributes of the broker MBeans matching `objectName` over JMX with Kafka's
 * `JmxTool`, summed over every match (e.g. all network processors of a listener).
 */
export async function brokerMetrics(
  libs: string,
  jmxPort: number,
  objectName: string,
  attributes: string[],
): Promise<Record<string, number>> {
  const run = await runTool(
    libs,
    [
      'org.apache.kafka.tools.JmxTool',
      '--jmx-url',
      `service:jmx:rmi:///jndi/rmi://127.0.0.1:${jmxPort}/jmxrmi`,
      '--object-name',
      objectName,
      '--attributes',
      attributes.join(','),
      '--one-time',
      'true',
      '--report-format',
      'properties',
    ],
    { timeoutMs: 60_000 },
  );
  expectSuccess('JmxTool', run);
  const sums: Record<string, number> = Object.fromEntries(attributes.map((a) => [a, 0]));
  // Lines look like `kafka.server:type=…,networkProcessor=0:successful-reauthentication-total=3.0`.
  for (const line of run.stdout.split('\n')) {
    const attribute = attributes.find((a) => line.includes(`:${a}=`));
    if (!attribute) continue;
    const value = Number(line.slice(line.lastIndexOf('=') + 1));
    if (Number.isFinite(value)) sums[attribute] = (sums[attribute] ?? 0) + value;
  }
  return sums;
}

function expectSuccess(what: string, run: ToolRun): void {
  if (run.code !== 0) {
    throw new Error(`${what} failed (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
}

async function withJsonFile<T>(content: unknown, fn: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kafka-admin-'));
  try {
    const file = path.join(dir, 'input.json');
    await writeFile(file, JSON.stringify(content));
    return await fn(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
