import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { freePorts } from '../ports.js';
import { spawnGuarded, terminate, waitForExit } from '../processes.js';
import { type CreateTopicOptions, createTopic } from '../topics.js';
import type { KafkaConnectionInfo, KafkaListeners } from './clients.js';
import {
  brokerMemberProperties,
  type ClusterMember,
  controllerProperties,
} from './cluster-config.js';
import {
  type BrokerPorts,
  checkCredentials,
  type MskIamFiles,
  type SaslCredentials,
  serverProperties,
} from './config.js';
import { ensureKafkaJars, kafkaVersionFromEnv } from './jars.js';
import { compileHelpers } from './java-runner.js';
import { brokerCds, jvmArgs, publishCds } from './jvm.js';
import { mskIamFiles } from './msk-iam.js';
import { formatStorage } from './storage.js';
import { type BrokerTls, generateBrokerTls } from './tls.js';

/** Options of {@link startKafka}. Only a PLAINTEXT listener unless asked for more. */
export interface StartKafkaOptions {
  /** Kafka release; defaults to env `KAFKA_VERSION`, else `DEFAULT_KAFKA_VERSION`. */
  version?: string;
  /** Adds an SSL listener with a certificate signed by a fresh CA (see `caPem`). */
  ssl?: boolean;
  /** Adds a SASL_SSL listener with this user for SCRAM-SHA-512 and SCRAM-SHA-256. */
  saslScram?: SaslCredentials;
  /** Adds PLAIN with this user to the SASL_SSL listener. */
  saslPlain?: SaslCredentials;
  /** Port of the PLAINTEXT listener; default one the OS picks (`npm run kafka -- --port 9092`). */
  plaintextPort?: number;
  /**
   * Adds a PLAINTEXT listener on loopback advertised under this host name, for functions in
   * containers that reach this machine by name (Docker Desktop: `host.docker.internal`).
   */
  containerHost?: string;
  /**
   * Adds a SASL_SSL listener that accepts only OAUTHBEARER tokens Amazon MSK's IAM would accept,
   * for a cluster in `region` (see msk-iam.ts); its Java plugins are compiled on first use.
   */
  mskIam?: { region: string };
  /** How long to wait for the broker to answer metadata requests; default 180 s (a loaded 2-core CI machine can take a minute). */
  readyTimeoutMs?: number;
  /** JVM max heap; default `512m`. */
  heap?: string;
  /** Extra or overriding `server.properties` entries. */
  serverProperties?: Record<string, string | number | boolean>;
  /** Starts this JVM as one node of a multi-node cluster (see cluster.ts). */
  member?: ClusterMember;
}

/** Time spent in each start-up phase, for keeping the suite fast. */
export interface KafkaTimings {
  /** Resolving jars (mvn on first use, otherwise a directory check). */
  jarsMs: number;
  /** Certificates, config and `StorageTool format`. */
  prepareMs: number;
  /** From spawning the JVM until a kafkajs admin got metadata (last start or restart). */
  readyMs: number;
}

/** A running single-node KRaft cluster owned by the caller. */
export interface KafkaBroker extends KafkaConnectionInfo {
  listeners: KafkaListeners & { controller: string };
  /** Temp dir with data, certificates and config; removed by {@link KafkaBroker.stop}. */
  dir: string;
  /** Broker output (log4j and JVM), kept out of the test output. */
  logFile: string;
  /** Pid of the current JVM, undefined while killed or stopped. */
  readonly pid: number | undefined;
  readonly timings: KafkaTimings;
  /** Plain-data copy of the connection details (safe for `project.provide`). */
  info(): KafkaConnectionInfo;
  /** Creates a topic on the PLAINTEXT listener and waits until it is usable. */
  createTopic(name: string, partitions?: number, options?: CreateTopicOptions): Promise<void>;
  /** Kills the broker and deletes its temp dir. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL, keeping the data dir: a crash. Bring it back with {@link KafkaBroker.restart}. */
  kill(): Promise<void>;
  /** SIGSTOP: the broker stays connected but stops answering (a hung or partitioned broker). */
  pause(): void;
  /** SIGCONT after {@link KafkaBroker.pause}. */
  resume(): void;
  /**
   * SIGTERM, keeping the data dir: a controlled shutdown, in which a cluster node first hands
   * its leaderships to other replicas (as MSK patches a broker). Bring it back with
   * {@link KafkaBroker.restart}.
   */
  shutdown(): Promise<void>;
  /**
   * Shuts the broker down cleanly if it runs (SIGTERM), then starts it again on the same
   * ports and data dir and waits until it answers metadata requests.
   */
  restart(): Promise<void>;
}

const LOG_TAIL_LINES = 40;

/**
 * Starts a single-node KRaft Kafka (broker + controller in one JVM) on loopback ports
 * chosen by the OS, with data in a fresh temp dir, and waits until it is ready.
 *
 * The JVM dies with the calling process whatever happens (see `spawnGuarded`), but
 * callers should still `stop()` it to free the temp dir.
 */
export async function startKafka(options: StartKafkaOptions = {}): Promise<KafkaBroker> {
  const version = options.version ?? kafkaVersionFromEnv();
  checkCredentials(options.saslScram, 'saslScram');
  checkCredentials(options.saslPlain, 'saslPlain');
  const sasl = Boolean(options.saslScram || options.saslPlain);

  const { member } = options;
  let t = Date.now();
  const libsDir = await ensureKafkaJars(version);
  // The MSK IAM listener's validator and metrics reporter run inside the broker.
  const plugins = options.mskIam || member?.mskIam ? [await compileHelpers(libsDir)] : [];
  const jarsMs = Date.now() - t;
  t = Date.now();

  const dir = await mkdtemp(path.join(os.tmpdir(), `kafka-${version}-`));
  try {
    const ports = member?.ports ?? (await singleNodePorts(options, sasl));
    const tls = member
      ? member.tls
      : options.ssl || sasl || options.mskIam
        ? await generateBrokerTls(path.join(dir, 'tls'))
        : undefined;
    const mskIam = member
      ? member.mskIam
      : options.mskIam
        ? await mskIamFiles(path.join(dir, 'msk-iam'), options.mskIam)
        : undefined;
    const configFile = path.join(dir, 'server.properties');
    const dataDir = path.join(dir, 'data');
    await writeFile(
      configFile,
      member?.role === 'controller'
        ? controllerProperties(member, dataDir)
        : serverProperties({
            ports,
            dataDir,
            tls,
            saslScram: options.saslScram,
            saslPlain: options.saslPlain,
            containerHost: options.containerHost,
            mskIam,
            overrides: {
              ...(member && brokerMemberProperties(member)),
              ...options.serverProperties,
            },
          }),
    );
    // SCRAM users live in the metadata log, which a cluster's controller holds.
    const scramUsers = member?.role === 'broker' ? undefined : options.saslScram;
    await formatStorage(libsDir, version, configFile, scramUsers, dir, member?.clusterId);
    const prepareMs = Date.now() - t;

    const broker = new Broker(
      version,
      libsDir,
      dir,
      configFile,
      ports,
      tls,
      mskIam,
      plugins,
      options,
      {
        jarsMs,
        prepareMs,
        readyMs: 0,
      },
    );
    await broker.launch();
    return broker;
  } catch (err) {
    if (!keepDirs()) await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Ports of a single node's listeners: the OS picks them, but for an asked-for PLAINTEXT port. */
async function singleNodePorts(options: StartKafkaOptions, sasl: boolean): Promise<BrokerPorts> {
  const [plaintext = 0, controller = 0, ssl = 0, saslSsl = 0, container = 0, iam = 0] =
    await freePorts(6);
  return {
    plaintext: options.plaintextPort ?? plaintext,
    controller,
    ssl: options.ssl ? ssl : 0,
    saslSsl: sasl ? saslSsl : 0,
    container: options.containerHost ? container : 0,
    iam: options.mskIam ? iam : 0,
  };
}

class Broker implements KafkaBroker {
  readonly brokers: string[];
  readonly listeners: KafkaBroker['listeners'];
  readonly logFile: string;
  readonly caPem: string | undefined;
  readonly sasl: KafkaBroker['sasl'];
  readonly mskIam: MskIamFiles | undefined;
  private child: ChildProcess | undefined;
  /** Set while the current JVM records a class-data-sharing archive (see `brokerCds`). */
  private cdsRecording: string | undefined;
  private stopped = false;
  private starts = 0;

  constructor(
    readonly version: string,
    readonly libsDir: string,
    readonly dir: string,
    private readonly configFile: string,
    ports: BrokerPorts,
    tls: BrokerTls | undefined,
    mskIam: MskIamFiles | undefined,
    private readonly plugins: string[],
    private readonly options: StartKafkaOptions,
    readonly timings: KafkaTimings,
  ) {
    const at = (port: number): string => `127.0.0.1:${port}`;
    this.listeners = { plaintext: at(ports.plaintext), controller: at(ports.controller) };
    if (ports.ssl) this.listeners.ssl = at(ports.ssl);
    if (ports.saslSsl) this.listeners.saslSsl = at(ports.saslSsl);
    if (ports.container) this.listeners.container = `${options.containerHost}:${ports.container}`;
    if (ports.iam) this.listeners.iam = at(ports.iam);
    this.mskIam = mskIam;
    this.brokers = ports.plaintext ? [this.listeners.plaintext] : [];
    this.logFile = path.join(dir, 'broker.log');
    this.caPem = tls?.caPem;
    this.sasl =
      options.saslScram || options.saslPlain
        ? { scram: options.saslScram, plain: options.saslPlain }
        : undefined;
  }

  get pid(): number | undefined {
    return this.running() ? this.child?.pid : undefined;
  }

  info(): KafkaConnectionInfo {
    const { controller: _controller, ...listeners } = this.listeners;
    const info: KafkaConnectionInfo = {
      version: this.version,
      libsDir: this.libsDir,
      brokers: [...this.brokers],
      listeners,
    };
    if (this.caPem) info.caPem = this.caPem;
    if (this.sasl) info.sasl = structuredClone(this.sasl);
    if (this.mskIam) info.mskIam = { ...this.mskIam };
    return info;
  }

  createTopic(name: string, partitions = 1, options?: CreateTopicOptions): Promise<void> {
    return createTopic(this.brokers, name, partitions, options);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // No clean shutdown (the data is deleted anyway, and SIGKILL saves seconds per file)
    // unless the JVM must write its class-data archive, which only happens on exit.
    await this.terminateJvm(this.cdsRecording ? 'SIGTERM' : 'SIGKILL');
    if (!keepDirs()) await rm(this.dir, { recursive: true, force: true });
  }

  kill(): Promise<void> {
    return this.terminateJvm('SIGKILL');
  }

  shutdown(): Promise<void> {
    return this.terminateJvm('SIGTERM');
  }

  pause(): void {
    this.signal('SIGSTOP');
  }

  resume(): void {
    this.signal('SIGCONT');
  }

  async restart(): Promise<void> {
    if (this.stopped) throw new Error('restart() after stop(): the data dir is gone');
    await this.terminateJvm('SIGTERM');
    await this.launch();
  }

  private async terminateJvm(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child) return;
    await terminate(child, signal, 30_000);
    const recording = this.cdsRecording;
    this.cdsRecording = undefined;
    if (recording) await publishCds(recording, this.libsDir, child.exitCode);
  }

  /** Spawns the JVM and waits for readiness; kills it again if it never gets ready. */
  async launch(): Promise<void> {
    this.starts++;
    await appendFile(
      this.logFile,
      `\n==== harness: start #${this.starts} of Kafka ${this.version} at ${new Date().toISOString()}\n`,
    );
    const started = Date.now();
    const fd = openSync(this.logFile, 'a');
    try {
      const cds = brokerCds(this.libsDir);
      this.cdsRecording = cds.recording;
      const args = [
        ...cds.args,
        ...jvmArgs(this.libsDir, this.version, {
          heap: this.options.heap,
          logLevel: 'INFO',
          classpath: this.plugins,
        }),
        ...(this.options.member?.jvmArgs ?? []),
        'kafka.Kafka',
        this.configFile,
      ];
      // The broker writes straight into its log file: nothing reaches the test output,
      // and nothing is lost if this process stops reading.
      this.child = spawnGuarded('java', args, { cwd: this.dir, stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    const child = this.child;
    const spawnError = new Promise<never>((_, reject) => {
      child.once('error', (err) => reject(new Error(`Cannot run java: ${err.message}`)));
    });
    // Only the race below cares; a late 'error' must not become an unhandled rejection.
    spawnError.catch(() => undefined);
    try {
      await Promise.race([this.waitReady(child), spawnError]);
    } catch (err) {
      await this.terminateJvm('SIGKILL');
      throw err;
    }
    this.timings.readyMs = Date.now() - started;
  }

  private async waitReady(child: ChildProcess): Promise<void> {
    const timeoutMs = this.options.readyTimeoutMs ?? 180_000;
    const deadline = Date.now() + timeoutMs;
    const exited = waitForExit(child).then(() => 'exited' as const);
    let lastError = 'no attempt';
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `Kafka ${this.version} exited during start-up (code ${child.exitCode}, signal ${child.signalCode}).\n${await this.logTail()}`,
        );
      }
      try {
        await this.answers();
        return;
      } catch (err) {
        lastError = (err as Error).message;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `Kafka ${this.version} was not ready after ${timeoutMs} ms (last error: ${lastError}). Last ${LOG_TAIL_LINES} lines of ${this.logFile}:\n${await this.logTail()}`,
        );
      }
      await Promise.race([sleep(200), exited]);
    }
  }

  /**
   * Readiness: a broker answers metadata, and a cluster's broker lists itself in it (it has
   * registered with the controller and is not fenced); a controller listens.
   */
  private answers(): Promise<void> {
    const { member } = this.options;
    if (member?.role === 'controller') return listens(this.listeners.controller);
    return answersMetadata(this.brokers, member?.nodeId);
  }

  private async logTail(): Promise<string> {
    const text = await readFile(this.logFile, 'utf8').catch(() => '');
    return text.trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n');
  }

  private running(): boolean {
    return Boolean(this.child && this.child.exitCode === null && this.child.signalCode === null);
  }

  private signal(signal: NodeJS.Signals): void {
    if (!this.running()) throw new Error(`Cannot send ${signal}: the broker is not running`);
    this.child?.kill(signal);
  }
}

/**
 * One readiness probe: a fresh kafkajs admin that must get the cluster's metadata, listing
 * broker `nodeId` when given.
 */
async function answersMetadata(brokers: string[], nodeId?: number): Promise<void> {
  const admin = new Kafka({
    clientId: 'harness-readiness',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 3_000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) throw new Error('metadata lists no broker yet');
    if (nodeId !== undefined && !cluster.brokers.some((b) => b.nodeId === nodeId)) {
      throw new Error(`metadata does not list broker ${nodeId} yet`);
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Resolves once a TCP connection to `address` (`host:port`) succeeds. */
function listens(address: string): Promise<void> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', (err) => {
      socket.destroy();
      reject(err);
    });
  });
}

/** `KAFKA_HARNESS_KEEP=1` keeps brokers' temp dirs (logs, data) for post-mortems. */
function keepDirs(): boolean {
  return process.env.KAFKA_HARNESS_KEEP === '1';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
