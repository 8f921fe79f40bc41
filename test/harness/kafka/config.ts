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
  /** PLAINTEXT listener advertised as {@link BrokerConfigInput.containerHost} (0 = none). */
  container: number;
  /** SASL_SSL with OAUTHBEARER only, validated as Amazon MSK's IAM authentication (port 9098 on MSK). */
  iam: number;
}

/** Files of the MSK IAM listener, shared by the broker's Java plugins and the tests (msk-iam.ts). */
export interface MskIamFiles {
  /** The harness's IAM: cluster region and identities (java/harness/IamPolicy.java). */
  iamFile: string;
  /** One line per token the broker accepted or refused, with why (java/harness/MskIamValidator.java). */
  decisionsFile: string;
  /** The listener's authentication counters (java/harness/AuthCounts.java). */
  countsFile: string;
}

/** Listener name of the MSK IAM listener; Kafka tags its metrics with it. */
export const IAM_LISTENER = 'IAM';

/** Everything {@link serverProperties} needs to describe one single-node KRaft cluster. */
export interface BrokerConfigInput {
  ports: BrokerPorts;
  dataDir: string;
  tls?: BrokerTls;
  saslScram?: SaslCredentials;
  saslPlain?: SaslCredentials;
  /**
   * The name containers reach this machine by (Docker Desktop: `host.docker.internal`). The
   * CONTAINER listener still binds loopback; only its advertised address uses this name.
   */
  containerHost?: string;
  /** Needed when `ports.iam` is set. */
  mskIam?: MskIamFiles;
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
  if (ports.iam) listeners.push([IAM_LISTENER, ports.iam]);
  const client = listeners.map(([name, port]) => `${name}://${HOST}:${port}`);
  const bound = [...client];
  const advertised = [...client];
  if (ports.container && input.containerHost) {
    bound.push(`CONTAINER://${HOST}:${ports.container}`);
    advertised.push(`CONTAINER://${input.containerHost}:${ports.container}`);
  }

  const props: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@${HOST}:${ports.controller}`,
    'controller.listener.names': 'CONTROLLER',
    listeners: [
      ...bound,
      ...(ports.controller ? [`CONTROLLER://${HOST}:${ports.controller}`] : []),
    ].join(','),
    'advertised.listeners': advertised.join(','),
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': [
      'PLAINTEXT:PLAINTEXT',
      'SSL:SSL',
      'SASL_SSL:SASL_SSL',
      `${IAM_LISTENER}:SASL_SSL`,
      'CONTROLLER:PLAINTEXT',
      'CONTAINER:PLAINTEXT',
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
  if (ports.iam) Object.assign(props, mskIamProperties(input.mskIam));
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

/**
 * The MSK IAM listener: OAUTHBEARER only, every token checked by the harness's validator, and a
 * metrics reporter that keeps the listener's authentication counters in a file. The JAAS login
 * module needs a broker identity of its own even though no broker authenticates here.
 */
function mskIamProperties(files: MskIamFiles | undefined): Record<string, string> {
  if (!files) throw new Error('serverProperties: the iam port needs mskIam files');
  for (const file of Object.values(files)) {
    if (/["\\\s]/.test(file))
      throw new Error(`MSK IAM file paths cannot hold quotes or spaces: ${file}`);
  }
  const prefix = `listener.name.${IAM_LISTENER.toLowerCase()}`;
  return {
    [`${prefix}.sasl.enabled.mechanisms`]: 'OAUTHBEARER',
    [`${prefix}.oauthbearer.sasl.jaas.config`]:
      'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required ' +
      `unsecuredLoginStringClaim_sub="harness-broker" iamFile="${files.iamFile}" decisionsFile="${files.decisionsFile}";`,
    [`${prefix}.oauthbearer.sasl.server.callback.handler.class`]: 'harness.MskIamValidator',
    // Kafka 4 registers JMX metrics only through a listed JmxReporter (KIP-830); tests read them.
    'metric.reporters': 'harness.AuthCounts,org.apache.kafka.common.metrics.JmxReporter',
    'harness.auth.counts.file': files.countsFile,
    'harness.auth.counts.listener': IAM_LISTENER,
  };
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
