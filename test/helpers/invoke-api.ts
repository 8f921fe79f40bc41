import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { lambdaContext, type StreamHandler } from '../../local/esm/invoke.js';

/**
 * The Lambda Invoke API's wire protocol on loopback, for handlers run in this process: the
 * stand-in for `sam local start-lambda` until that runs in the suite, and answering as SAM CLI
 * 1.170's local service does (samcli/local/lambda_service): `POST
 * /2015-03-31/functions/<name>/invocations`; 404 `ResourceNotFound` for a name it does not
 * serve; 501 `NotImplemented` for any log type but `None`; a thrown error as 200 with
 * `x-amz-function-error: Unhandled` and Lambda's error document.
 */
export interface InvokeApi {
  readonly endpoint: string;
  /** Invocations that reached a handler, by function name. */
  readonly invocations: Map<string, number>;
  /** Serves one more function under `name`. */
  serve(name: string, handler: StreamHandler): void;
  close(): Promise<void>;
}

const PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

export async function startInvokeApi(initial: Record<string, StreamHandler>): Promise<InvokeApi> {
  const functions = { ...initial };
  const invocations = new Map<string, number>();
  const server = createServer((request, response) => {
    serve(request, response, functions, invocations).catch((error: unknown) =>
      error_(response, 500, 'Service', 'ServiceException', String(error)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    invocations,
    serve: (name, handler) => {
      functions[name] = handler;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function serve(
  request: IncomingMessage,
  response: ServerResponse,
  functions: Record<string, StreamHandler>,
  invocations: Map<string, number>,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const match = PATH.exec(request.url ?? '');
  if (request.method !== 'POST' || !match) {
    return error_(response, 404, 'LocalService', 'PathNotFoundLocally', 'PathNotFoundException');
  }
  const name = decodeURIComponent(match[1] as string);
  const logType = request.headers['x-amz-log-type'] ?? 'None';
  if (logType !== 'None') {
    return error_(
      response,
      501,
      'LocalService',
      'NotImplemented',
      `log-type: ${logType} is not supported. None is only supported.`,
    );
  }
  const handler = functions[name];
  if (handler === undefined) {
    return error_(
      response,
      404,
      'User',
      'ResourceNotFound',
      `Function not found: arn:aws:lambda:us-west-2:012345678901:function:${name}`,
    );
  }
  invocations.set(name, (invocations.get(name) ?? 0) + 1);
  const event = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  try {
    const result = await handler(event, lambdaContext(60_000, name));
    send(response, 200, {}, JSON.stringify(result ?? null));
  } catch (error) {
    const e = error as Error;
    send(
      response,
      200,
      { 'x-amz-function-error': 'Unhandled' },
      JSON.stringify({ errorType: e.name, errorMessage: e.message }),
    );
  }
}

function error_(
  response: ServerResponse,
  status: number,
  type: string,
  errorType: string,
  message: string,
): void {
  send(
    response,
    status,
    { 'x-amzn-errortype': errorType },
    JSON.stringify({ Type: type, Message: message }),
  );
}

function send(
  response: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string,
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(body);
}
