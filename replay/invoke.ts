import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { describeChain, errorName, httpStatus, isNetworkError, Unreachable } from './errors.js';

/** What the Invoke API answered for one synchronous invocation. */
export interface Invocation {
  /** `Unhandled` when the function threw, timed out or ran out of memory. */
  readonly functionError: string | undefined;
  /** The function's response (or its error document), as text. */
  readonly response: string;
  /** The last 4 KB of the function's log, when the endpoint returns it (AWS does; SAM CLI does not). */
  readonly logTail: string | undefined;
}

/**
 * Invokes the deployed function the way the event source mapping does (synchronously, the
 * same code, role, network and partitioning), through the Lambda Invoke API: AWS's, or any
 * local endpoint serving it (`sam local start-lambda`, the runtime interface emulator) named
 * by `--endpoint`. Only a function name and an endpoint are needed.
 *
 * It asks for the log tail (the reason a batch was not stored is logged there) and stops
 * asking when the endpoint refuses the log type, as SAM CLI's local service does (501
 * NotImplemented, before it invokes anything).
 */
export class FunctionInvoker {
  private logTail = true;

  constructor(
    private readonly lambda: LambdaClient,
    readonly functionName: string,
    private readonly where: string,
  ) {}

  async invoke(payload: string): Promise<Invocation> {
    const askedForTail = this.logTail;
    try {
      const out = await this.lambda.send(
        new InvokeCommand({
          FunctionName: this.functionName,
          InvocationType: 'RequestResponse',
          LogType: askedForTail ? 'Tail' : 'None',
          Payload: Buffer.from(payload, 'utf8'),
        }),
      );
      return {
        functionError: out.FunctionError,
        response: out.Payload ? Buffer.from(out.Payload).toString('utf8') : '',
        logTail: out.LogResult ? Buffer.from(out.LogResult, 'base64').toString('utf8') : undefined,
      };
    } catch (error) {
      // Invocations in flight at once may all be refused: each falls back once.
      if (askedForTail && refusesLogTail(error)) {
        this.logTail = false;
        return this.invoke(payload);
      }
      throw this.translate(error);
    }
  }

  /** Every error of the Invoke API stops the run: none of them is about one record set. */
  private translate(error: unknown): Error {
    const name = errorName(error);
    const fn = `function ${this.functionName} (${this.where})`;
    if (name === 'ResourceNotFound' || httpStatus(error) === 404) {
      return new Unreachable(
        `${fn} does not exist: give the stack's FunctionName output as --function`,
        false,
      );
    }
    if (name === 'AccessDenied' || httpStatus(error) === 403) {
      return new Unreachable(
        `not allowed to invoke ${fn}: the caller needs lambda:InvokeFunction on it (${describeChain(error)})`,
        false,
      );
    }
    if (name === 'TooManyRequests' || httpStatus(error) === 429) {
      return new Unreachable(
        `${fn} is throttled (its reserved or the account's concurrency is in use): run again later, or with --concurrency 1`,
        true,
      );
    }
    if (isNetworkError(error)) {
      return new Unreachable(
        `cannot reach the Lambda Invoke API (${this.where}): ${describeChain(error)}`,
        true,
      );
    }
    return new Unreachable(
      `cannot invoke ${fn}: ${describeChain(error)}`,
      httpStatus(error) === 500,
    );
  }
}

function refusesLogTail(error: unknown): boolean {
  return httpStatus(error) === 501 && /log.?type/i.test(describeChain(error));
}
