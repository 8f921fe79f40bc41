import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ClientSecurity, KafkaConnectionInfo } from './clients.js';
import { compileHelpers, hasClass, runTool, toolOptions } from './java-runner.js';

/** Must equal NULL_MARKER in java/harness/HexDeserializer.java. */
const NULL_MARKER = '__harness_null_2c1f__';

/** Java client settings (security, tuning) as `key=value` pairs. */
export type JavaClientProps = Record<string, string>;

/** Options of {@link javaProduceKeyed}. */
export interface JavaProduceOptions {
  /** One value per key; defaults to `value-<index>`. Text only (one line each). */
  values?: string[];
  /** Producer batch compression (the console producer's `--compression-codec`). */
  compression?: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
  /** Extra producer configs, e.g. from {@link javaSecurityProps}. */
  props?: JavaClientProps;
  /** Default 60 s. */
  timeoutMs?: number;
}

/**
 * Produces one record per key with Kafka's own Java console producer, so the Java
 * client's default partitioner (murmur2 of the key bytes) chooses each partition.
 * Keys are sent as UTF-8. Resolves once the producer flushed and exited cleanly.
 */
export async function javaProduceKeyed(
  libs: string,
  bootstrap: string,
  topic: string,
  keys: string[],
  options: JavaProduceOptions = {},
): Promise<void> {
  const values = options.values ?? keys.map((_, i) => `value-${i}`);
  if (values.length !== keys.length) throw new Error('javaProduceKeyed: one value per key');
  const separator = pickSeparator([...keys, ...values]);
  for (const text of [...keys, ...values]) {
    if (/[\r\n]/.test(text)) throw new Error(`javaProduceKeyed: no line breaks allowed: ${text}`);
  }
  const mainClass = (await hasClass(libs, 'org.apache.kafka.tools.ConsoleProducer'))
    ? 'org.apache.kafka.tools.ConsoleProducer'
    : 'kafka.tools.ConsoleProducer';
  const opts = await toolOptions(libs, mainClass);
  // 4.2+ renamed the options (KIP-1147); the old names still work there but warn.
  const readerProp = opts.has('reader-property') ? '--reader-property' : '--property';
  const configFlag = opts.has('command-config') ? '--command-config' : '--producer.config';

  await withTempDir(async (dir) => {
    const config = path.join(dir, 'producer.properties');
    await writeFile(config, propertiesFile({ acks: 'all', ...options.props }));
    const args = [
      mainClass,
      '--bootstrap-server',
      bootstrap,
      '--topic',
      topic,
      configFlag,
      config,
      readerProp,
      'parse.key=true',
      readerProp,
      `key.separator=${separator}`,
    ];
    if (options.compression) args.push('--compression-codec', options.compression);
    const input = `${keys.map((k, i) => `${k}${separator}${values[i]}`).join('\n')}\n`;
    const run = await runTool(libs, args, { input, timeoutMs: options.timeoutMs ?? 60_000 });
    // The console producer logs send failures at ERROR and still exits 0.
    if (run.code !== 0 || /\bERROR\b/.test(run.stderr)) {
      throw new Error(`Java console producer failed (exit ${run.code}):\n${run.stderr}`);
    }
  });
}

/** One record as printed by Kafka's console consumer. */
export interface JavaConsumedRecord {
  partition: number;
  offset: string;
  /** Key decoded as UTF-8; null for a null key. */
  key: string | null;
  /** Exact value bytes; null for a tombstone. */
  value: Buffer | null;
}

/** Options of {@link javaConsume}. */
export interface JavaConsumeOptions {
  /** Extra consumer configs, e.g. from {@link javaSecurityProps}. */
  props?: JavaClientProps;
}

/**
 * Reads `expectedCount` records from the beginning of `topic` with Kafka's own Java
 * console consumer, which decompresses batches with the Java codecs. That proves
 * batches written by our code (compressed or not) are readable by Java consumers.
 * Throws if fewer records arrive within `timeoutMs`.
 */
export async function javaConsume(
  libs: string,
  bootstrap: string,
  topic: string,
  expectedCount: number,
  timeoutMs = 60_000,
  options: JavaConsumeOptions = {},
): Promise<JavaConsumedRecord[]> {
  const mainClass = (await hasClass(libs, 'org.apache.kafka.tools.consumer.ConsoleConsumer'))
    ? 'org.apache.kafka.tools.consumer.ConsoleConsumer'
    : 'kafka.tools.ConsoleConsumer';
  const opts = await toolOptions(libs, mainClass);
  const formatterProp = opts.has('formatter-property') ? '--formatter-property' : '--property';
  const configFlag = opts.has('command-config') ? '--command-config' : '--consumer.config';
  const classes = await compileHelpers(libs);

  return withTempDir(async (dir) => {
    const config = path.join(dir, 'consumer.properties');
    await writeFile(config, propertiesFile({ ...options.props }));
    const formatter = {
      'print.partition': 'true',
      'print.offset': 'true',
      'print.key': 'true',
      'print.value': 'true',
      'key.separator': '\t',
      'null.literal': NULL_MARKER,
      'key.deserializer': 'harness.HexDeserializer',
      'value.deserializer': 'harness.HexDeserializer',
    };
    const args = [
      mainClass,
      '--bootstrap-server',
      bootstrap,
      '--topic',
      topic,
      '--from-beginning',
      '--max-messages',
      String(expectedCount),
      '--timeout-ms',
      String(timeoutMs),
      configFlag,
      config,
      ...Object.entries(formatter).flatMap(([k, v]) => [formatterProp, `${k}=${v}`]),
    ];
    // The JVM needs a few seconds on top of the consumer's own timeout.
    const run = await runTool(libs, args, { timeoutMs: timeoutMs + 30_000, classpath: [classes] });
    const records = parseConsoleOutput(run.stdout);
    if (records.length < expectedCount) {
      throw new Error(
        `javaConsume(${topic}): got ${records.length} of ${expectedCount} records (exit ${run.code}):\n${run.stderr}`,
      );
    }
    return records;
  });
}

/**
 * Java client configs for one listener of a test broker, mirroring `kafkaConfig()` for
 * kafkajs. The CA is given as a PEM truststore, which Kafka clients read since 2.7.
 */
export function javaSecurityProps(
  info: KafkaConnectionInfo,
  security: ClientSecurity,
): { bootstrap: string; props: JavaClientProps } {
  if (security === 'plaintext') return { bootstrap: info.brokers.join(','), props: {} };
  if (!info.caPem) throw new Error('This test broker was started without TLS');
  const tls = { 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': info.caPem };
  if (security === 'ssl') {
    if (!info.listeners.ssl) throw new Error('This test broker has no SSL listener');
    return { bootstrap: info.listeners.ssl, props: { 'security.protocol': 'SSL', ...tls } };
  }
  if (!info.listeners.saslSsl) throw new Error('This test broker has no SASL_SSL listener');
  const plain = security === 'sasl-plain';
  const user = plain ? info.sasl?.plain : info.sasl?.scram;
  if (!user) throw new Error(`This test broker has no ${plain ? 'PLAIN' : 'SCRAM'} user`);
  const module = plain
    ? 'org.apache.kafka.common.security.plain.PlainLoginModule'
    : 'org.apache.kafka.common.security.scram.ScramLoginModule';
  const mechanism = plain
    ? 'PLAIN'
    : security === 'sasl-scram-sha-512'
      ? 'SCRAM-SHA-512'
      : 'SCRAM-SHA-256';
  return {
    bootstrap: info.listeners.saslSsl,
    props: {
      'security.protocol': 'SASL_SSL',
      ...tls,
      'sasl.mechanism': mechanism,
      'sasl.jaas.config': `${module} required username="${user.username}" password="${user.password}";`,
    },
  };
}

/** Parses `Partition:P<TAB>Offset:O<TAB>keyhex<TAB>valuehex` lines; ignores anything else. */
export function parseConsoleOutput(stdout: string): JavaConsumedRecord[] {
  const records: JavaConsumedRecord[] = [];
  const hex = (field: string): Buffer | null => (field === '-' ? null : Buffer.from(field, 'hex'));
  for (const line of stdout.split('\n')) {
    // Only strip '\r': an empty value leaves a meaningful trailing tab.
    const m = /^Partition:(\d+)\tOffset:(\d+)\t(-|[0-9a-f]*)\t(-|[0-9a-f]*)$/.exec(
      line.replace(/\r$/, ''),
    );
    if (!m) continue;
    const [, partition = '', offset = '', key = '', value = ''] = m;
    records.push({
      partition: Number(partition),
      offset,
      key: hex(key)?.toString('utf8') ?? null,
      value: hex(value),
    });
  }
  return records;
}

/** A separator the console producer can split on: a character no key or value contains. */
function pickSeparator(texts: string[]): string {
  const candidate = ['\t', '|', '~', '^', '\u0001'].find((c) => texts.every((t) => !t.includes(c)));
  if (!candidate) throw new Error('javaProduceKeyed: keys use every candidate separator');
  return candidate;
}

/** Java properties text; backslashes escaped, as `Properties.load` expects. */
function propertiesFile(props: Record<string, string>): string {
  return Object.entries(props)
    .map(([k, v]) => `${k}=${v.replace(/\\/g, '\\\\')}\n`)
    .join('');
}

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kafka-tool-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
