import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A Lambda Invoke API on loopback that refuses every invocation with one of the errors only
 * AWS's Lambda gives: throttling (429 `TooManyRequestsException`) or a denied
 * `lambda:InvokeFunction` (403 `AccessDeniedException`), answered as the Lambda API reference
 * documents them (`x-amzn-ErrorType` header, JSON body). `sam local start-lambda`, which serves
 * the real function for everything else the replay does (test/sam/replay.test.ts), neither
 * throttles nor checks permissions, so these answers have no real local source; no function
 * runs behind this one.
 */
export interface RefusingInvokeApi {
  readonly endpoint: string;
  /** Invoke requests received (the SDK's retries included). */
  requests(): number;
  close(): Promise<void>;
}

/** What the stand-in answers every `POST /2015-03-31/functions/<name>/invocations` with. */
export interface Refusal {
  status: 403 | 429;
  errorType: 'AccessDeniedException' | 'TooManyRequestsException';
  body: Record<string, unknown>;
}

/** Throttled by the function's reserved concurrency, as Lambda answers it. */
export const THROTTLED: Refusal = {
  status: 429,
  errorType: 'TooManyRequestsException',
  body: {
    Type: 'User',
    message: 'Rate Exceeded.',
    Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
  },
};

/** The caller's identity may not invoke the function, as IAM's denial reaches the caller. */
export function denied(functionName: string): Refusal {
  return {
    status: 403,
    errorType: 'AccessDeniedException',
    body: {
      Message: `User: arn:aws:sts::123456789012:assumed-role/on-call/operator is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:123456789012:function:${functionName} because no identity-based policy allows the lambda:InvokeFunction action`,
    },
  };
}

export async function startRefusingInvokeApi(refusal: Refusal): Promise<RefusingInvokeApi> {
  let requests = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      if (request.method === 'POST' && /\/invocations$/.test(request.url ?? '')) requests += 1;
      response.writeHead(refusal.status, {
        'content-type': 'application/json',
        'x-amzn-errortype': refusal.errorType,
      });
      response.end(JSON.stringify(refusal.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
