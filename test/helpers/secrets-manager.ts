import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, vi } from 'vitest';
import { type Moto, startMoto } from '../harness/moto.js';
import { randomTopic } from '../harness/topics.js';

/** Secrets Manager as the tests use it: MSK-style SCRAM secrets on moto's server. */
export interface TestSecrets {
  /** An MSK-style SCRAM secret (`AmazonMSK_…`, `{"username","password"}`); returns its full ARN. */
  create(username: string, password: string): Promise<string>;
  /** A new version of the secret's value, as a rotation writes it. */
  put(arn: string, username: string, password: string): Promise<void>;
}

const REGION = 'us-east-1';

/**
 * Starts moto's server on loopback for the calling test file (`beforeAll`) and points the AWS
 * SDK's Secrets Manager client at it with the environment Lambda gives a function (region,
 * credentials), so the function's real SDK call, signing and parsing run; never AWS.
 * Stopped, and the environment restored, in `afterAll`.
 */
export function useSecretsManager(): TestSecrets {
  let moto: Moto | undefined;
  let client: SecretsManagerClient | undefined;
  beforeAll(async () => {
    moto = await startMoto();
    const { endpoint } = moto;
    vi.stubEnv('AWS_ENDPOINT_URL_SECRETS_MANAGER', endpoint);
    vi.stubEnv('AWS_REGION', REGION);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'moto');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'moto');
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    client = new SecretsManagerClient({ region: REGION, endpoint });
  });
  afterAll(async () => {
    client?.destroy();
    await moto?.stop();
    vi.unstubAllEnvs();
  });
  const secrets = (): SecretsManagerClient => {
    if (!client) throw new Error('useSecretsManager(): use it inside tests or hooks');
    return client;
  };
  return {
    async create(username, password) {
      const { ARN } = await secrets().send(
        new CreateSecretCommand({
          Name: `AmazonMSK_${randomTopic('scram')}`,
          SecretString: JSON.stringify({ username, password }),
        }),
      );
      if (!ARN) throw new Error('moto returned no secret ARN');
      return ARN;
    },
    async put(arn, username, password) {
      await secrets().send(
        new PutSecretValueCommand({
          SecretId: arn,
          SecretString: JSON.stringify({ username, password }),
        }),
      );
    },
  };
}
