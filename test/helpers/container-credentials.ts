import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Temporary credentials as a credentials endpoint hands them out. */
export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** Epoch ms. */
  expiresAt: number;
}

/** A running endpoint; point `AWS_CONTAINER_CREDENTIALS_FULL_URI` at `url`. */
export interface CredentialsEndpoint {
  url: string;
  /** Requests served so far: the MSK signer asks once per token. */
  readonly requests: number;
  close(): Promise<void>;
}

/**
 * A container credentials endpoint on loopback, as ECS, EKS Pod Identity or Lambda SnapStart
 * serve the role's credentials: the AWS SDK's credential chain fetches `{AccessKeyId,
 * SecretAccessKey, Token, Expiration}` from it, and the MSK signer shortens a token's life to
 * the credentials' `Expiration`. `issue` decides what each request gets.
 */
export async function credentialsEndpoint(
  issue: () => IssuedCredentials,
): Promise<CredentialsEndpoint> {
  let requests = 0;
  const server = createServer((_request, response) => {
    requests++;
    const credentials = issue();
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        AccessKeyId: credentials.accessKeyId,
        SecretAccessKey: credentials.secretAccessKey,
        Token: credentials.sessionToken,
        Expiration: new Date(credentials.expiresAt).toISOString(),
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/role-credentials`,
    get requests() {
      return requests;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
