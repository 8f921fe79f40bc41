import { KafkaJSSASLAuthenticationError, type Mechanism } from 'kafkajs';
import { logger } from '../telemetry.js';

/**
 * Amazon MSK IAM authentication as a kafkajs SASL mechanism: OAUTHBEARER with a token that
 * `aws-msk-iam-sasl-signer-js` presigns locally from the function's role (no AWS call), minted
 * anew for every authentication and re-authentication, so a token never outlives the credentials
 * that signed it. What kafkajs's built-in OAUTHBEARER cannot say, this does: when MSK refuses a
 * token, which token it was (region, access key, signing time, expiry) next to MSK's answer.
 */

/** Signs an MSK IAM token for `region`; the default uses the function's credential chain. */
export type TokenSigner = (region: string) => Promise<string>;

/** What a token says about itself, for an operator; never its signature or session token. */
export interface TokenFacts {
  region?: string;
  accessKeyId?: string;
  /** X-Amz-Date, ISO 8601. */
  signedAt?: string;
  /** X-Amz-Date + X-Amz-Expires: the signer shortens it when the credentials expire sooner. */
  expiresAt?: string;
  /** False when the token is not the presigned URL MSK expects (a signer bug). */
  wellFormed: boolean;
}

/** kafkajs's own class (not retriable), whose typings omit the arguments its constructor takes. */
const SaslAuthenticationError = KafkaJSSASLAuthenticationError as unknown as new (
  message: string,
  options?: { cause?: unknown },
) => Error;

const REFUSAL_HINT =
  "MSK IAM answers every refusal with 'Access denied'. Check that the function's role may " +
  "kafka-cluster:Connect on the cluster ARN, that the token is signed for the cluster's region " +
  '(AWS_REGION), and that the credentials had not expired when it was signed (clock, expiresAt). ' +
  'A refusal at re-authentication closes the connection; the producer connects again with a new token.';

/** The `sasl` option of the kafkajs client for MSK IAM in `region`. */
export function mskIamMechanism(region: string, sign: TokenSigner = signWithRole): Mechanism {
  return {
    mechanism: 'oauthbearer',
    authenticationProvider: ({ host, port, saslAuthenticate }) => ({
      authenticate: async () => {
        let token: string;
        try {
          token = await sign(region);
        } catch (error) {
          throw new SaslAuthenticationError(
            `MSK IAM: cannot sign a token for ${region}: ${(error as Error).message}`,
            { cause: error },
          );
        }
        try {
          await saslAuthenticate({ request: { encode: () => clientFirstMessage(token) } });
        } catch (error) {
          // A connection that fails mid-exchange stays a (retriable) connection error.
          if ((error as { type?: unknown }).type !== 'SASL_AUTHENTICATION_FAILED') throw error;
          const reason = (error as Error).message;
          logger.error('MSK IAM refused the token', {
            broker: `${host}:${port}`,
            reason,
            token: tokenFacts(token),
            hint: REFUSAL_HINT,
          });
          throw new SaslAuthenticationError(`SASL OAUTHBEARER authentication failed: ${reason}`, {
            cause: error,
          });
        }
      },
    }),
  };
}

/**
 * The OAUTHBEARER client's first and only message (RFC 7628): a GS2 header without an
 * authorization identity, then `auth=Bearer <token>`, framed by SOH characters, as SASL bytes
 * (an int32 length and the message) the way kafkajs sends every mechanism's message.
 */
export function clientFirstMessage(token: string): Buffer {
  const message = Buffer.from(`n,,\u0001auth=Bearer ${token}\u0001\u0001`, 'utf8');
  const length = Buffer.alloc(4);
  length.writeInt32BE(message.length);
  return Buffer.concat([length, message]);
}

/** Reads a token's presigned URL back: base64url of `https://kafka.<region>.amazonaws.com/?…`. */
export function tokenFacts(token: string): TokenFacts {
  let url: URL;
  try {
    url = new URL(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    return { wellFormed: false };
  }
  const query = url.searchParams;
  const [accessKeyId, , region] = (query.get('X-Amz-Credential') ?? '').split('/');
  const amzDate = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(
    query.get('X-Amz-Date') ?? '',
  );
  const [, year, month, day, hours, minutes, seconds] = (amzDate ?? []).map(Number);
  const signedAt = amzDate
    ? Date.UTC(year ?? 0, (month ?? 1) - 1, day, hours, minutes, seconds)
    : Number.NaN;
  const expiresIn = Number(query.get('X-Amz-Expires') ?? Number.NaN);
  const facts: TokenFacts = {
    wellFormed:
      url.protocol === 'https:' &&
      url.hostname === `kafka.${region}.amazonaws.com` &&
      query.get('Action') === 'kafka-cluster:Connect' &&
      Number.isFinite(signedAt) &&
      expiresIn > 0,
    region,
    accessKeyId,
  };
  if (Number.isFinite(signedAt)) facts.signedAt = new Date(signedAt).toISOString();
  if (Number.isFinite(signedAt + expiresIn)) {
    facts.expiresAt = new Date(signedAt + expiresIn * 1000).toISOString();
  }
  return facts;
}

/** Presigns with the default credential chain: Lambda's role from the environment. */
async function signWithRole(region: string): Promise<string> {
  // Loaded on first use so other modes never pay for the AWS SDK's credential chain.
  const { generateAuthToken } = await import('aws-msk-iam-sasl-signer-js');
  const { token } = await generateAuthToken({ region });
  return token;
}
