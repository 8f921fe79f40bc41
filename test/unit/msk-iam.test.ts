import { generateAuthTokenFromCredentialsProvider } from 'aws-msk-iam-sasl-signer-js';
import type { AuthenticationProviderArgs } from 'kafkajs';
import { describe, expect, it, vi } from 'vitest';
import { clientFirstMessage, mskIamMechanism, tokenFacts } from '../../lambda/kafka/msk-iam.js';
import { logger } from '../../lambda/telemetry.js';

/**
 * The token and the SASL exchange MSK IAM expects, from the official signer presigning locally
 * with dummy credentials (no network: presigning is pure computation).
 */

const credentials = {
  accessKeyId: 'ASIAEXAMPLEEXAMPLE12',
  secretAccessKey: 'dummy-secret-access-key-for-unit-tests-0000',
  sessionToken: 'dummy-session-token',
};

async function sign(region = 'eu-west-1', expiresInMs?: number): Promise<string> {
  const { token } = await generateAuthTokenFromCredentialsProvider({
    region,
    awsCredentialsProvider: async () => ({
      ...credentials,
      expiration: expiresInMs === undefined ? undefined : new Date(Date.now() + expiresInMs),
    }),
  });
  return token;
}

describe('the token the signer mints', () => {
  it('is base64url without padding of a presigned kafka-cluster:Connect URL for the region', async () => {
    const token = await sign();
    const url = new URL(Buffer.from(token, 'base64url').toString('utf8'));

    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(url.origin).toBe('https://kafka.eu-west-1.amazonaws.com');
    expect(url.pathname).toBe('/');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      Action: 'kafka-cluster:Connect',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': expect.stringMatching(
        /^ASIAEXAMPLEEXAMPLE12\/\d{8}\/eu-west-1\/kafka-cluster\/aws4_request$/,
      ),
      'X-Amz-Date': expect.stringMatching(/^\d{8}T\d{6}Z$/),
      'X-Amz-Expires': '900',
      'X-Amz-Security-Token': 'dummy-session-token',
      'X-Amz-SignedHeaders': 'host',
      'X-Amz-Signature': expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('reads back as what it is, never showing its signature or session token', async () => {
    const before = Math.floor(Date.now() / 1000) * 1000;
    const facts = tokenFacts(await sign());

    expect(facts).toMatchObject({
      wellFormed: true,
      region: 'eu-west-1',
      accessKeyId: 'ASIAEXAMPLEEXAMPLE12',
    });
    const signedAt = Date.parse(facts.signedAt ?? '');
    expect(signedAt).toBeGreaterThanOrEqual(before);
    expect(Date.parse(facts.expiresAt ?? '') - signedAt).toBe(900_000);
    expect(JSON.stringify(facts)).not.toMatch(/dummy-session-token|Signature/);
  });

  it('lives no longer than the credentials that signed it', async () => {
    const facts = tokenFacts(await sign('eu-west-1', 4_000));
    const lifeMs = Date.parse(facts.expiresAt ?? '') - Date.parse(facts.signedAt ?? '');

    // X-Amz-Expires is the credentials' remaining life, in (fractional) seconds from X-Amz-Date.
    expect(facts.wellFormed).toBe(true);
    expect(lifeMs).toBeGreaterThan(3_000);
    expect(lifeMs).toBeLessThanOrEqual(4_000);
  });

  it('is not well formed when it does not decode to an MSK URL', () => {
    expect(tokenFacts('not a token')).toEqual({ wellFormed: false });
    const elsewhere = Buffer.from('https://example.com/?Action=kafka-cluster%3AConnect').toString(
      'base64url',
    );
    expect(tokenFacts(elsewhere).wellFormed).toBe(false);
  });
});

describe('the OAUTHBEARER exchange', () => {
  it('sends the RFC 7628 client message, framed as SASL bytes', () => {
    const bytes = clientFirstMessage('abc_-');
    const message = 'n,,\u0001auth=Bearer abc_-\u0001\u0001';

    expect(bytes.readInt32BE(0)).toBe(message.length);
    expect(bytes.subarray(4).toString('utf8')).toBe(message);
  });

  /** Runs `mechanism` once against `broker`, which answers the SaslAuthenticate request. */
  async function authenticate(
    broker: (request: Buffer) => Promise<void>,
    { authenticationProvider } = mskIamMechanism('eu-west-1', () => sign()),
  ) {
    const sent: Buffer[] = [];
    const args = {
      host: 'b-1.example',
      port: 9098,
      logger: {} as AuthenticationProviderArgs['logger'],
      saslAuthenticate: async ({
        request,
      }: {
        request: { encode(): Buffer | Promise<Buffer> };
      }) => {
        const bytes = await request.encode();
        sent.push(bytes);
        await broker(bytes);
      },
    } as unknown as AuthenticationProviderArgs;
    const outcome = await authenticationProvider(args)
      .authenticate()
      .then(
        () => undefined,
        (error: Error) => error,
      );
    return { sent, outcome };
  }

  it('signs a fresh token for every authentication and re-authentication', async () => {
    let signed = 0;
    const mechanism = mskIamMechanism('eu-west-1', async () => `token${++signed}`);
    const first = await authenticate(async () => undefined, mechanism);
    const second = await authenticate(async () => undefined, mechanism);

    expect([first.outcome, second.outcome]).toEqual([undefined, undefined]);
    expect([...first.sent, ...second.sent]).toEqual([
      clientFirstMessage('token1'),
      clientFirstMessage('token2'),
    ]);
  });

  it('on a refusal, logs which token MSK refused and fails for good (not retriable)', async () => {
    const error = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    try {
      const { outcome } = await authenticate(async () => {
        throw Object.assign(new Error('[5e1f]: Access denied'), {
          type: 'SASL_AUTHENTICATION_FAILED',
        });
      });

      expect(outcome).toMatchObject({
        name: 'KafkaJSSASLAuthenticationError',
        message: 'SASL OAUTHBEARER authentication failed: [5e1f]: Access denied',
        retriable: false,
      });
      expect(error).toHaveBeenCalledWith('MSK IAM refused the token', {
        broker: 'b-1.example:9098',
        reason: '[5e1f]: Access denied',
        token: expect.objectContaining({ wellFormed: true, region: 'eu-west-1' }),
        hint: expect.stringContaining('kafka-cluster:Connect'),
      });
    } finally {
      error.mockRestore();
    }
  });

  it('lets a connection lost mid-exchange stay the retriable connection error it is', async () => {
    const lost = Object.assign(new Error('Connection closed by the server'), {
      name: 'KafkaJSConnectionError',
      retriable: true,
    });
    const { outcome } = await authenticate(async () => {
      throw lost;
    });

    expect(outcome).toBe(lost);
  });
});
