/**
 * The inside of a {@link startContainer} execution environment (lambda-container.ts): this process
 * loads the function's handler once, as Lambda's init does (configuration from the environment
 * the parent gave it), then serves the invocations the parent sends over IPC one at a time, as
 * Lambda's runtime serves them, until the parent goes away.
 *
 * It also counts the TLS connections the function opens, so a test can tell a connection that
 * re-authenticated from a new one. That is test instrumentation around the function, not in it.
 */
import type { Context, KinesisStreamEvent } from 'aws-lambda';

/** What the parent sends. */
export interface InvokeMessage {
  id: number;
  event: KinesisStreamEvent;
  remainingMs: number;
}

/** What this process answers; `ready` once the handler is loaded. */
export type RuntimeMessage =
  | { type: 'ready' }
  | { type: 'response'; id: number; response: unknown; tlsConnections: number }
  | { type: 'error'; id: number; error: string; tlsConnections: number };

let tlsConnections = 0;
// kafkajs looks tls.connect up on the CommonJS module object for every new socket.
const tls = require('node:tls') as { connect: (...args: unknown[]) => unknown };
const connect = tls.connect;
tls.connect = (...args: unknown[]) => {
  tlsConnections++;
  return connect.apply(tls, args);
};

const { handler } = require('../../lambda/handler.js') as typeof import('../../lambda/handler.js');

const send = (message: RuntimeMessage): void => {
  process.send?.(message);
};

process.on('message', (message: InvokeMessage) => {
  const deadline = Date.now() + message.remainingMs;
  const context = {
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  } as Pick<Context, 'getRemainingTimeInMillis'>;
  handler(message.event, context).then(
    (response) => send({ type: 'response', id: message.id, response, tlsConnections }),
    (error: Error) =>
      send({ type: 'error', id: message.id, error: error.stack ?? String(error), tlsConnections }),
  );
});
// The parent is gone (even killed): so is this environment.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
