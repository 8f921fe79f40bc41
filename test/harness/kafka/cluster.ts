import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePorts } from '../ports.js';
import { type KafkaBroker, type StartKafkaOptions, startKafka } from './broker.js';
import type { KafkaConnectionInfo } from './clients.js';
import type { ClusterMember } from './cluster-config.js';
import type { BrokerPorts } from './config.js';
import { ensureKafkaJars, kafkaVersionFromEnv } from './jars.js';
import { mskIamFiles } from './msk-iam.js';
import { clusterId } from './storage.js';
import { generateBrokerTls } from './tls.js';

/** Options of {@link startKafkaCluster}: the listeners every broker gets, as for one broker. */
export type StartClusterOptions = Pick<
  StartKafkaOptions,
  'version' | 'ssl' | 'saslScram' | 'saslPlain' | 'mskIam' | 'serverProperties'
> & {
  /** Brokers in the cluster; default 3. */
  brokers?: number;
  /** Opens a JMX port on loopback per broker, for broker metrics (see cluster-admin.ts). */
  jmx?: boolean;
};

/** One broker of a cluster, as a test sees it: id, listeners, JMX port, MSK IAM files. */
export interface ClusterNodeInfo extends Pick<KafkaConnectionInfo, 'mskIam'> {
  id: number;
  listeners: KafkaConnectionInfo['listeners'];
  /** JMX port on 127.0.0.1 when the cluster was started with `jmx`. */
  jmxPort?: number;
}

/**
 * Serializable description of a running cluster. `brokers` lists every broker's PLAINTEXT
 * listener and `listeners` are the first broker's (what `kafkaConfig()` uses); `bootstrap`
 * gives every broker's address per listener, as MSK's bootstrap strings do.
 */
export interface KafkaClusterInfo extends KafkaConnectionInfo {
  nodes: ClusterNodeInfo[];
  bootstrap: { plaintext: string[]; saslSsl?: string[]; iam?: string[] };
}

/** A running cluster owned by the caller: brokers 1..n and their controller. */
export interface KafkaCluster {
  readonly version: string;
  readonly nodes: readonly KafkaBroker[];
  readonly controller: KafkaBroker;
  /** The broker with this node id (1..n). */
  node(id: number): KafkaBroker;
  info(): KafkaClusterInfo;
  /** Kills every JVM and deletes the temp dirs. Idempotent. */
  stop(): Promise<void>;
}

/** Node id of the controller; brokers are 1..n. */
export const CONTROLLER_ID = 100;

/**
 * Starts a production-shaped KRaft cluster on loopback from the same Maven jars as the single
 * broker: a dedicated controller (as MSK runs its own) and three brokers with replication
 * factor 3, `min.insync.replicas` 2 and topic auto-creation off. Every broker has the
 * listeners the options ask for (PLAINTEXT always), sharing one CA and, with `mskIam`, one IAM
 * (each broker validating tokens and counting authentications itself, as MSK's brokers do).
 *
 * Each JVM dies with the calling process (see `spawnGuarded`); `stop()` also frees the temp dirs.
 */
export async function startKafkaCluster(options: StartClusterOptions = {}): Promise<KafkaCluster> {
  const version = options.version ?? kafkaVersionFromEnv();
  const count = options.brokers ?? 3;
  await ensureKafkaJars(version);
  const id = clusterId();
  const dir = await mkdtemp(path.join(os.tmpdir(), `kafka-cluster-${version}-`));
  const started: KafkaBroker[] = [];
  try {
    const sasl = Boolean(options.saslScram || options.saslPlain);
    const tls =
      options.ssl || sasl || options.mskIam
        ? await generateBrokerTls(path.join(dir, 'tls'))
        : undefined;
    const ports = await freePorts(1 + count * 5);
    const take = (): number => ports.shift() ?? 0;
    const controllerPort = take();
    const voters = `${CONTROLLER_ID}@127.0.0.1:${controllerPort}`;
    const base = { clusterId: id, voters, tls };
    const controller = await startKafka({
      version,
      heap: '256m',
      saslScram: options.saslScram,
      member: {
        ...base,
        nodeId: CONTROLLER_ID,
        role: 'controller',
        ports: {
          plaintext: 0,
          controller: controllerPort,
          ssl: 0,
          saslSsl: 0,
          container: 0,
          iam: 0,
        },
      },
    });
    started.push(controller);

    const iam = options.mskIam;
    let sharedIam: string | undefined;
    const members: ClusterMember[] = [];
    for (let i = 0; i < count; i++) {
      const [plaintext, ssl, saslSsl, iamPort, jmxPort] = [take(), take(), take(), take(), take()];
      const brokerPorts: BrokerPorts = {
        plaintext,
        controller: 0,
        ssl: options.ssl ? ssl : 0,
        saslSsl: sasl ? saslSsl : 0,
        container: 0,
        iam: iam ? iamPort : 0,
      };
      const member: ClusterMember = { ...base, nodeId: i + 1, role: 'broker', ports: brokerPorts };
      if (iam) {
        // One IAM for the cluster, as MSK's; decisions and counts per broker.
        const files = await mskIamFiles(
          path.join(dir, 'msk-iam', `broker-${i + 1}`),
          sharedIam ? { shared: sharedIam } : iam,
        );
        sharedIam = files.iamFile;
        member.mskIam = files;
      }
      if (options.jmx) member.jvmArgs = jmxArgs(jmxPort);
      members.push(member);
    }
    // Together: each waits until it has registered, which needs only the controller.
    const brokers = await Promise.all(
      members.map(async (member) => {
        const broker = await startKafka({
          version,
          heap: '384m',
          ssl: options.ssl,
          saslScram: options.saslScram,
          saslPlain: options.saslPlain,
          serverProperties: options.serverProperties,
          member,
        });
        started.push(broker);
        return broker;
      }),
    );
    const jmxPorts = options.jmx ? members.map(jmxOf) : [];
    return new Cluster(version, controller, brokers, jmxPorts, dir);
  } catch (err) {
    await Promise.all(started.map((b) => b.stop()));
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** The JMX port {@link jmxArgs} gave a member. */
function jmxOf(member: ClusterMember): number {
  const flag = member.jvmArgs?.find((a) => a.startsWith('-Dcom.sun.management.jmxremote.port='));
  return Number(flag?.split('=')[1]);
}

/** JMX on loopback only, no auth (test traffic never leaves 127.0.0.1); one port for RMI too. */
function jmxArgs(port: number): string[] {
  return [
    `-Dcom.sun.management.jmxremote.port=${port}`,
    `-Dcom.sun.management.jmxremote.rmi.port=${port}`,
    '-Dcom.sun.management.jmxremote.host=127.0.0.1',
    '-Djava.rmi.server.hostname=127.0.0.1',
    '-Dcom.sun.management.jmxremote.authenticate=false',
    '-Dcom.sun.management.jmxremote.ssl=false',
  ];
}

class Cluster implements KafkaCluster {
  private stopped = false;

  constructor(
    readonly version: string,
    readonly controller: KafkaBroker,
    readonly nodes: readonly KafkaBroker[],
    private readonly jmxPorts: readonly number[],
    private readonly dir: string,
  ) {}

  node(id: number): KafkaBroker {
    const broker = this.nodes[id - 1];
    if (!broker) throw new Error(`No broker ${id} in this cluster (1..${this.nodes.length})`);
    return broker;
  }

  info(): KafkaClusterInfo {
    const infos = this.nodes.map((n) => n.info());
    const first = infos[0] as KafkaConnectionInfo;
    const saslSsl = infos.flatMap((i) => (i.listeners.saslSsl ? [i.listeners.saslSsl] : []));
    const iam = infos.flatMap((i) => (i.listeners.iam ? [i.listeners.iam] : []));
    return {
      ...first,
      brokers: infos.flatMap((i) => i.brokers),
      nodes: infos.map((info, i) => {
        const node: ClusterNodeInfo = { id: i + 1, listeners: info.listeners };
        const jmxPort = this.jmxPorts[i];
        if (jmxPort) node.jmxPort = jmxPort;
        if (info.mskIam) node.mskIam = info.mskIam;
        return node;
      }),
      bootstrap: {
        plaintext: infos.flatMap((i) => i.brokers),
        ...(saslSsl.length > 0 ? { saslSsl } : {}),
        ...(iam.length > 0 ? { iam } : {}),
      },
    };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all([...this.nodes, this.controller].map((n) => n.stop()));
    if (process.env.KAFKA_HARNESS_KEEP !== '1') {
      await rm(this.dir, { recursive: true, force: true });
    }
  }
}
