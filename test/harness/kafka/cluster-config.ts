import type { BrokerPorts, MskIamFiles } from './config.js';
import type { BrokerTls } from './tls.js';

/**
 * What makes one JVM a node of a multi-node cluster (cluster.ts) rather than a single
 * broker+controller: its id and role, the cluster's shared id, the controller quorum, and the
 * TLS material all brokers of the cluster share.
 */
export interface ClusterMember {
  nodeId: number;
  role: 'broker' | 'controller';
  /** Every node of one cluster is formatted with the same id. */
  clusterId: string;
  /** This node's ports, chosen by the cluster so every node knows the controller's. */
  ports: BrokerPorts;
  /** `controller.quorum.voters`, e.g. `100@127.0.0.1:9093`. */
  voters: string;
  /** One CA and keystore for all brokers, so one CA file serves every client. */
  tls?: BrokerTls;
  /** This broker's MSK IAM files (the cluster's one IAM, its own decisions and counts), when it has the listener. */
  mskIam?: MskIamFiles;
  /** Extra JVM flags (JMX for the broker metrics a test reads). */
  jvmArgs?: string[];
}

/**
 * Production's replication settings (MSK's defaults for three brokers): every topic, internal
 * ones included, on three replicas, and a write with `acks=all` needs two of them in sync.
 */
export const CLUSTER_REPLICATION = {
  'default.replication.factor': 3,
  'min.insync.replicas': 2,
  'offsets.topic.replication.factor': 3,
  'transaction.state.log.replication.factor': 3,
  'transaction.state.log.min.isr': 2,
  'share.coordinator.state.topic.replication.factor': 3,
  'share.coordinator.state.topic.min.isr': 2,
} as const;

/** `server.properties` entries that turn a harness broker into a broker-only cluster node. */
export function brokerMemberProperties(member: ClusterMember): Record<string, string | number> {
  return {
    ...CLUSTER_REPLICATION,
    'process.roles': 'broker',
    'node.id': member.nodeId,
    'controller.quorum.voters': member.voters,
  };
}

/**
 * `server.properties` of a dedicated KRaft controller, as MSK runs its controllers apart from
 * the brokers: stopping brokers never costs the metadata quorum, so in-sync replica sets can
 * shrink below `min.insync.replicas` the way they do in production.
 */
export function controllerProperties(member: ClusterMember, dataDir: string): string {
  const controller = `127.0.0.1:${member.ports.controller}`;
  const props: Record<string, string | number> = {
    // Kafka 4.x (eligible leader replicas, KIP-966) takes the cluster's min.insync.replicas from
    // the controller, which also decides how far an ISR may shrink; 3.x reads the brokers' own.
    ...CLUSTER_REPLICATION,
    'process.roles': 'controller',
    'node.id': member.nodeId,
    'controller.quorum.voters': member.voters,
    'controller.listener.names': 'CONTROLLER',
    listeners: `CONTROLLER://${controller}`,
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT',
    'log.dirs': dataDir,
    // A killed broker is fenced (and its leaderships moved) 3 s after its last heartbeat,
    // as the single-node harness does; the default 9 s only makes fault tests slower.
    'broker.heartbeat.interval.ms': 500,
    'broker.session.timeout.ms': 3_000,
    'num.network.threads': 1,
    'num.io.threads': 2,
  };
  return `${Object.entries(props)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;
}
