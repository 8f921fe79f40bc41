/**
 * Why the replay cannot go on at all: the bucket or the function cannot be reached, or the
 * caller may not use them. Nothing was changed by the object in hand; the message says what to
 * fix. `retriable` is true when the same command may work later unchanged (network, throttling).
 */
export class Unreachable extends Error {
  constructor(
    message: string,
    readonly retriable: boolean,
  ) {
    super(message);
    this.name = 'Unreachable';
  }
}

/** The AWS SDK's error fields this tool reads. */
export interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

/** True for errors that never reached the service (refused, unresolved, reset, timed out). */
export function isNetworkError(error: unknown): boolean {
  const text = describeChain(error);
  return /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|socket hang up|TimeoutError/i.test(
    text,
  );
}

/** `name: message` of an error and its causes, for matching and for messages. */
export function describeChain(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 4; depth++) {
    const err = e as SdkError;
    parts.push([err.name ?? err.code, err.message].filter(Boolean).join(': ') || String(e));
    e = err.cause;
  }
  return parts.join(' <- ');
}

/** The service's error name, whichever spelling the endpoint uses (`ResourceNotFound(Exception)`). */
export function errorName(error: unknown): string {
  return ((error as SdkError).name ?? '').replace(/Exception$/, '');
}

export function httpStatus(error: unknown): number | undefined {
  return (error as SdkError).$metadata?.httpStatusCode;
}
