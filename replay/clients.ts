import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** Where the tool talks to: AWS (region and credentials from the usual chain) or local endpoints. */
export interface Endpoints {
  readonly region: string | undefined;
  /** A local Lambda Invoke API (`sam local start-lambda`: http://127.0.0.1:3001). */
  readonly lambdaEndpoint: string | undefined;
  /** An S3-compatible endpoint (moto's server in the tests). */
  readonly s3Endpoint: string | undefined;
}

/**
 * The SDK's own environment names the endpoints too (`AWS_ENDPOINT_URL_S3`,
 * `AWS_ENDPOINT_URL_LAMBDA`, `AWS_ENDPOINT_URL`); the flags win over them.
 */
export function endpointsFrom(
  flags: { region?: string; endpoint?: string; s3Endpoint?: string },
  env: NodeJS.ProcessEnv = process.env,
): Endpoints {
  return {
    region: flags.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
    lambdaEndpoint: flags.endpoint ?? env.AWS_ENDPOINT_URL_LAMBDA ?? env.AWS_ENDPOINT_URL,
    s3Endpoint: flags.s3Endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL,
  };
}

/** `region eu-west-1` or `http://127.0.0.1:3001`: shown in messages, so the reader knows where. */
export function describeEndpoint(endpoint: string | undefined, region: string | undefined): string {
  return endpoint === undefined ? `region ${region ?? '(none)'}` : endpoint;
}

export function s3Client(endpoints: Endpoints): S3Client {
  return new S3Client({
    region: endpoints.region,
    endpoint: endpoints.s3Endpoint,
    // A local endpoint has no per-bucket host names.
    forcePathStyle: endpoints.s3Endpoint !== undefined,
  });
}

export function lambdaClient(endpoints: Endpoints): LambdaClient {
  return new LambdaClient({
    region: endpoints.region,
    endpoint: endpoints.lambdaEndpoint,
    // A synchronous invocation lasts up to the function's timeout (15 minutes at most); only a
    // hang beyond it is cut. Throttles and 5xx are retried by the SDK, at most twice.
    maxAttempts: 3,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 10_000, requestTimeout: 16 * 60_000 }),
  });
}
