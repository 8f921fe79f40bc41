import type { BrokerTls } from './tls.js';

/** A SASL user of the test broker. */
export interface SaslCredentials {
  username: string;
  password: string;
}

/**
 * Ports of every listener of one broker (0 = listener disabled; `controller` 0 for a
 * broker-only node of a cluster, whose controllers run elsewhere).
 */
export interface BrokerPorts {
  plaintext: number;
  controller: number;
  ssl: number;
  saslSsl: number;
}

/** Everything {@link serverProperties} needs to describe one single-node KRaft cluster. */
export interface BrokerConfigInput {
  ports: BrokerPorts;
  dataDir: string;
  tls?: BrokerTls;
  saslScram?: SaslCredentials;
  saslPlain?: SaslCredentials;
  /** Last word on any property, for tests that need a non-default broker setting. */
  overrides?: Record<string, string | number | boolean>;
}

const HOST = '127.0.0.1';

/**
 * `server.properties` of a combined broker+controller node listening only on loopback.
 *
 * Inter-broker and controller traffic stay on PLAINTEXT so the secured listeners can be
 * added or dropped without touching the cluster wiring.
 */
export function serverProperties(input: BrokerConfigInput): string {
  const { ports } = input;
  const listeners: [name: string, port: number][] = [['PLAINTEXT', ports.plaintext]];
  if (ports.ssl) listeners.push(['SSL', ports.ssl]);
  if (ports.saslSsl) listeners.push(['SASL_SSL', ports.saslSsl]);
  const client = listeners.map(([name, port]) => `${name}://${HOST}:${port}`);

  const props: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@${HOST}:${ports.controller}`,
    'controller.listener.names': 'CONTROLLER',
    listeners: [
      ...client,
      ...(ports.controller ? [`CONTROLLER://${HOST}:${ports.controller}`] : []),
    ].join(','),
    'advertised.listeners': client.join(','),
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': [
      'PLAINTEXT:PLAINTEXT',
      'SSL:SSL',
      'SASL_SSL:SASL_SSL',
      'CONTROLLER:PLAINTEXT',
    ].join(','),
    'log.dirs': input.dataDir,
    // Tests create every topic explicitly; a typo must fail, not create a topic.
    'auto.create.topics.enable': false,
    'num.partitions': 1,
    'default.replication.factor': 1,
    'min.insync.replicas': 1,
    'offsets.topic.replication.factor': 1,
    // One partition each: creating 50 internal partitions on first use costs seconds.
    'offsets.topic.num.partitions': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 1,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    // Consumers in tests join alone; the default 3 s delay would only slow them down.
    'group.initial.rebalance.delay.ms': 0,
    // After a SIGKILL the restarted broker cannot register until the controller expires
    // the dead incarnation's session (default 9 s); 3 s keeps kill+restart tests quick
    // while leaving room for GC or CPU stalls on a busy 2-core box.
    'broker.heartbeat.interval.ms': 500,
    'broker.session.timeout.ms': 3_000,
    'num.network.threads': 2,
    'num.io.threads': 4,
    'num.recovery.threads.per.data.dir': 1,
  };

  if (input.tls) {
    Object.assign(props, {
      'ssl.keystore.type': 'PKCS12',
      'ssl.keystore.location': input.tls.keystore,
      'ssl.keystore.password': input.tls.keystorePassword,
      'ssl.key.password': input.tls.keystorePassword,
      'ssl.client.auth': 'none',
    });
  }
  if (ports.saslSsl) Object.assign(props, saslProperties(input));
  Object.assign(props, input.overrides);

  return `${Object.entries(props)
    .map(([k, v]) => `${k}=${escapeValue(String(v))}`)
    .join('\n')}\n`;
}

/** SCRAM (users stored in the cluster metadata at format time) and PLAIN (users in JAAS). */
function saslProperties(input: BrokerConfigInput): Record<string, string> {
  const mechanisms: string[] = [];
  const props: Record<string, string> = {};
  const prefix = 'listener.name.sasl_ssl';
  if (input.saslScram) {
    for (const m of ['SCRAM-SHA-512', 'SCRAM-SHA-256']) {
      mechanisms.push(m);
      props[`${prefix}.${m.toLowerCase()}.sasl.jaas.config`] =
        'org.apache.kafka.common.security.scram.ScramLoginModule required;';
    }
  }
  if (input.saslPlain) {
    const { username, password } = input.saslPlain;
    mechanisms.push('PLAIN');
    props[`${prefix}.plain.sasl.jaas.config`] =
      `org.apache.kafka.common.security.plain.PlainLoginModule required user_${username}="${password}";`;
  }
  props['sasl.enabled.mechanisms'] = mechanisms.join(',');
  props[`${prefix}.sasl.enabled.mechanisms`] = mechanisms.join(',');
  return props;
}

/** `--add-scram` arguments of `StorageTool format` that create the SCRAM users. */
export function scramFormatArgs(creds: SaslCredentials | undefined): string[] {
  if (!creds) return [];
  return ['SCRAM-SHA-512', 'SCRAM-SHA-256'].flatMap((m) => [
    '--add-scram',
    `${m}=[name=${creds.username},password=${creds.password}]`,
  ]);
}

/**
 * Rejects credentials that would need quoting in JAAS or in the `--add-scram` syntax;
 * test users never need such characters, and silent mangling would be worse.
 */
export function checkCredentials(creds: SaslCredentials | undefined, what: string): void {
  if (!creds) return;
  for (const [field, value] of Object.entries(creds)) {
    if (!/^[A-Za-z0-9._@+-]+$/.test(value)) {
      throw new Error(`${what}.${field} must match [A-Za-z0-9._@+-]+ (got "${value}")`);
    }
  }
}

/** Java properties files treat backslashes as escapes. */
function escapeValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}
