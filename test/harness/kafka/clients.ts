import { readFileSync } from 'node:fs';
import { type KafkaConfig, logLevel } from 'kafkajs';
import type { MskIamFiles, SaslCredentials } from './config.js';

/** Bootstrap address (`127.0.0.1:port`) of each client listener of a test broker. */
export interface KafkaListeners {
  /** Always present; the default listener the tests use. */
  plaintext: string;
  /** TLS with the harness CA ({@link KafkaConnectionInfo.caPem}), when `ssl: true`. */
  ssl?: string;
  /** SASL over TLS, when SCRAM or PLAIN users were requested. */
  saslSsl?: string;
  /** `<containerHost>:port`, the address containers use, when `containerHost` was given. */
  container?: string;
  /** SASL_SSL with OAUTHBEARER checked as Amazon MSK's IAM, when `mskIam` was requested. */
  iam?: string;
}

/**
 * Serializable description of a running test broker: what a test needs to connect,
 * whether it got it from the global setup (`inject`) or started the broker itself.
 */
export interface KafkaConnectionInfo {
  /** Kafka release, e.g. `3.9.2`. */
  version: string;
  /** Directory of the broker's jars; also runs the Java console clients. */
  libsDir: string;
  /** Bootstrap list of the PLAINTEXT listener. */
  brokers: string[];
  listeners: KafkaListeners;
  /** Path of the CA certificate (PEM) that signed the broker certificate. */
  caPem?: string;
  /** Users created on the SASL_SSL listener. */
  sasl?: { scram?: SaslCredentials; plain?: SaslCredentials };
  /** The MSK IAM listener's files; tests drive them with `BrokerIam` (msk-iam.ts). */
  mskIam?: MskIamFiles;
}

/** How a client authenticates; each maps to one listener of the broker. */
export type ClientSecurity =
  | 'plaintext'
  | 'ssl'
  | 'sasl-scram-sha-512'
  | 'sasl-scram-sha-256'
  | 'sasl-plain';

/**
 * kafkajs configuration for one listener of a test broker. kafkajs logging is off by
 * default because fault tests provoke connection errors on purpose.
 */
export function kafkaConfig(
  info: KafkaConnectionInfo,
  security: ClientSecurity = 'plaintext',
  extra: Partial<KafkaConfig> = {},
): KafkaConfig {
  const base = { clientId: 'test-harness', logLevel: logLevel.NOTHING };
  if (security === 'plaintext') return { ...base, brokers: info.brokers, ...extra };
  // Node refuses an IP address as SNI; the broker certificate is valid for 'localhost' too.
  const ssl = { ca: [readFileSync(need(info.caPem, 'caPem'))], servername: 'localhost' };
  if (security === 'ssl') {
    return { ...base, brokers: [need(info.listeners.ssl, 'ssl listener')], ssl, ...extra };
  }
  const brokers = [need(info.listeners.saslSsl, 'SASL_SSL listener')];
  if (security === 'sasl-plain') {
    const { username, password } = need(info.sasl?.plain, 'PLAIN user');
    return { ...base, brokers, ssl, sasl: { mechanism: 'plain', username, password }, ...extra };
  }
  const { username, password } = need(info.sasl?.scram, 'SCRAM user');
  const sasl =
    security === 'sasl-scram-sha-512'
      ? { mechanism: 'scram-sha-512' as const, username, password }
      : { mechanism: 'scram-sha-256' as const, username, password };
  return { ...base, brokers, ssl, sasl, ...extra };
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`This test broker was started without ${what}`);
  return value;
}
