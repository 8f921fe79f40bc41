import { randomUUID } from 'node:crypto';
import type { Context, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { type Outcome, readResponse } from './response.js';

const TIMED_OUT: unique symbol = Symbol('timed out');

/**
 * A function as the mapping invokes it. The response is `unknown` on purpose: the engine must
 * read whatever a handler returns the way Lambda would, misspellings included.
 */
export type StreamHandler = (event: KinesisStreamEvent, context: Context) => unknown;

/** What one invocation needs to know about the function. */
export interface InvokeSettings {
  functionTimeoutMs: number;
  reportBatchItemFailures: boolean;
  functionName?: string;
}

/**
 * Invokes the handler once with a fresh context and reads the outcome as Lambda would: a
 * thrown error or a rejected promise fails the batch, so does running past the function
 * timeout, and the response is passed through JSON as it is on the wire (a response JSON
 * cannot carry is a function error, as Lambda's runtime reports it).
 *
 * A timed-out handler cannot be stopped in-process; it runs on in the background and its
 * result is ignored, where Lambda would have frozen or recycled the execution environment.
 */
export async function invoke(
  handler: StreamHandler,
  batch: readonly KinesisStreamRecord[],
  settings: InvokeSettings,
): Promise<Outcome> {
  const context = lambdaContext(settings.functionTimeoutMs, settings.functionName);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), settings.functionTimeoutMs);
  });
  const running = (async () => handler({ Records: [...batch] }, context))();
  running.catch(() => undefined); // a late rejection after a time-out is not unhandled
  try {
    const result = await Promise.race([running, timedOut]);
    if (result === TIMED_OUT) {
      return {
        kind: 'failed',
        cause: 'timeout',
        detail: `Task timed out after ${settings.functionTimeoutMs} ms`,
      };
    }
    return readResponse(onTheWire(result), batch, settings.reportBatchItemFailures);
  } catch (error) {
    return { kind: 'failed', cause: 'error', detail: describe(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** The response as Lambda receives it: JSON. `undefined` becomes null, as an empty response. */
function onTheWire(response: unknown): unknown {
  const text = JSON.stringify(response);
  return text === undefined ? null : JSON.parse(text);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** A Lambda context whose remaining time counts down from the function timeout. */
export function lambdaContext(
  timeoutMs: number,
  functionName = 'haystack-collector-local',
): Context {
  const deadline = Date.now() + timeoutMs;
  const unsupported = (): never => {
    throw new Error('Callback-style completion is not supported by the local mapping');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}
