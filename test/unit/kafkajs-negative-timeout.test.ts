import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { patchRequestQueue, REQUEST_QUEUE } from '../../scripts/build/kafkajs-negative-timeout.mjs';
import { compileModule } from '../helpers/patched-module.js';

/**
 * kafkajs issue 1751: the request queue's idle timer gets a negative delay, which Node.js ≥ 23
 * reports as a TimeoutNegativeWarning (an ERROR line in Lambda's log). The build floors the
 * delay at the 1 ms Node.js applies anyway; the patch must match the pinned kafkajs exactly.
 */
const file = createRequire(__filename).resolve('kafkajs/src/network/requestQueue/index.js');
const pinned = readFileSync(file, 'utf8');

describe('kafkajs negative timeout patch', () => {
  it('matches the request queue esbuild resolves in node_modules', () => {
    expect(REQUEST_QUEUE.test(file)).toBe(true);
  });

  it('floors the idle timer at 1 ms and changes nothing else', () => {
    const patched = patchRequestQueue(pinned);

    expect(patched).toContain('}, Math.max(1, scheduleAt))');
    expect(patched).not.toContain('}, scheduleAt)');
    expect(patched.replace('Math.max(1, scheduleAt)', 'scheduleAt')).toBe(pinned);
  });

  it('the patched queue schedules its idle check without a warning, after the same 1 ms', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    const RequestQueue = loadQueue(patchRequestQueue(pinned));
    const queue = new RequestQueue({
      instrumentationEmitter: null,
      maxInFlightRequests: 1,
      requestTimeout: 1000,
      enforceRequestTimeout: false,
      clientId: 'test',
      broker: 'b',
      logger: quietLogger,
      isConnected: () => true,
    });
    const checked = new Promise<void>((resolve) => {
      queue.checkPendingRequests = () => resolve();
    });

    queue.scheduleCheckPendingRequests();
    await checked;
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);

    expect(warnings).toEqual([]);
  });

  it('refuses a source it was not written for, so an upgrade cannot ship it silently', () => {
    const upstreamFix = pinned.replace('}, scheduleAt)', '}, Math.max(scheduleAt, 0))');

    expect(() => patchRequestQueue(upstreamFix)).toThrow(
      'is not the source the kafkajs 1751 patch',
    );
    expect(() => patchRequestQueue(pinned + pinned)).toThrow('is not the source');
  });
});

const quietLogger = {
  namespace: () => quietLogger,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Evaluates the patched queue as its own module, beside the real file. */
function loadQueue(source: string): new (
  options: Record<string, unknown>,
) => {
  scheduleCheckPendingRequests(): void;
  checkPendingRequests(): void;
} {
  return compileModule(source, file);
}
