import { describe, expect, it } from 'vitest';
import { errorLines, functionLog } from '../harness/sam/cli.js';

/** How test:sam reads a `sam local invoke` run: the function's lines, and which are errors. */
const run = (lines: string[]) => lines.join('\n');

describe('the function log of a sam local invoke run', () => {
  const output = run([
    'Invoking handler.handler (nodejs24.x)',
    'SAM_CONTAINER_ID: 0123abcd',
    'START RequestId: r-1 Version: $LATEST',
    '{"level":"INFO","message":"Connected to Kafka"}',
    '2026-12-01T17:33:48.442Z\tr-1\tERROR\t(node:15) TimeoutNegativeWarning: -1 is a negative number.',
    '{"level":"ERROR","message":"kafkajs Connection: Connection error"}',
    'END RequestId: r-1',
    'REPORT RequestId: r-1\tInit Duration: 0.04 ms\tDuration: 271.42 ms',
    '[ERROR] [1796146428516] LAMBDA_RUNTIME Failed to get next invocation. No Response from endpoint',
  ]);

  it('is the container output up to REPORT: the emulator shutting down afterwards is not the function', () => {
    const log = functionLog(output);

    expect(log[0]).toBe('START RequestId: r-1 Version: $LATEST');
    expect(log.at(-1)).toMatch(/^REPORT RequestId: r-1/);
  });

  it('names the runtime client’s ERROR lines and Powertools’ error level, not INFO lines', () => {
    expect(errorLines(functionLog(output))).toEqual([
      '2026-12-01T17:33:48.442Z\tr-1\tERROR\t(node:15) TimeoutNegativeWarning: -1 is a negative number.',
      '{"level":"ERROR","message":"kafkajs Connection: Connection error"}',
    ]);
  });

  it('refuses output without a REPORT line, so a run that never invoked cannot pass as quiet', () => {
    expect(() => functionLog(run(['SAM_CONTAINER_ID: 0123abcd', 'Init failed']))).toThrow(
      'No container output with a REPORT line',
    );
  });
});
