import type { KafkaConfig, SASLOptions } from 'kafkajs';
import type { KafkaSettings, SaslSettings } from '../config.js';
import { mskIamMechanism } from './msk-iam.js';

/**
 * How the producer reaches the brokers: TLS and SASL built from the settings.
 *
 * Secrets never travel in environment variables: SASL/PLAIN and SCRAM credentials come from
 * Secrets Manager, fetched once per container and cached; MSK IAM signs a short-lived token with
 * the function's role for every authentication (lambda/msk-iam.ts), and each connection
 * re-authenticates before its session ends (lambda/reauthentication.ts).
 */
export type ConnectionOptions = Pick<KafkaConfig, 'ssl' | 'sasl'>;

/** Username and password, as stored in the secret (MSK's SCRAM secrets have this shape). */
export interface Credentials {
  username: string;
  password: string;
}

/** Reads a secret's JSON; the default fetches from Secrets Manager. Injected in tests. */
export type SecretReader = (secretArn: string) => Promise<Credentials>;

/** Builds the TLS and SASL part of the kafkajs client configuration. */
export async function connectionOptions(
  settings: Pick<KafkaSettings, 'ssl' | 'sslCa' | 'sasl'>,
  readSecret: SecretReader = readSecretsManager,
): Promise<ConnectionOptions> {
  const ssl = settings.ssl ? (settings.sslCa ? { ca: [settings.sslCa] } : true) : false;
  const sasl = await saslOptions(settings.sasl, readSecret);
  return sasl ? { ssl, sasl } : { ssl };
}

async function saslOptions(
  sasl: SaslSettings,
  readSecret: SecretReader,
): Promise<KafkaConfig['sasl']> {
  switch (sasl.mechanism) {
    case 'none':
      return undefined;
    case 'aws-msk-iam':
      return mskIamMechanism(sasl.region);
    default: {
      const { username, password } = await readSecret(sasl.secretArn);
      const options: SASLOptions = { mechanism: sasl.mechanism, username, password };
      return options;
    }
  }
}

/** Fetches `{"username","password"}` from Secrets Manager with the function's role. */
export async function readSecretsManager(secretArn: string): Promise<Credentials> {
  const { SecretsManagerClient, GetSecretValueCommand } = await import(
    '@aws-sdk/client-secrets-manager'
  );
  const client = new SecretsManagerClient({});
  try {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
    return parseCredentials(secretArn, SecretString);
  } finally {
    client.destroy();
  }
}

/** Validates a secret's JSON without ever putting the password in an error message. */
export function parseCredentials(secretArn: string, secretString: string | undefined): Credentials {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString ?? '');
  } catch {
    throw new Error(`Secret ${secretArn} is not JSON: expected {"username":"…","password":"…"}`);
  }
  const { username, password } = (parsed ?? {}) as Record<string, unknown>;
  if (typeof username !== 'string' || !username || typeof password !== 'string' || !password) {
    throw new Error(`Secret ${secretArn} lacks a non-empty "username" and "password"`);
  }
  return { username, password };
}
