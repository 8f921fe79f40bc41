/**
 * An esbuild plugin that fixes kafkajs issue 1751 in the bundle: kafkajs 2.2.4's request queue
 * (`scheduleCheckPendingRequests`) calls `setTimeout` with `throttledUntil - Date.now()` while
 * `throttledUntil` is still -1, a large negative delay. Node.js has always run such a timer
 * after 1 ms; since Node.js 23 it also prints a `TimeoutNegativeWarning`, which Lambda's
 * runtime logs as an ERROR line on every cold start that connects. The fix upstream (kafkajs
 * PR 1755) is unmerged and kafkajs is unmaintained, so the bundle gets the same 1 ms floor
 * Node.js applies, written out: the timer behaves exactly as before, without the warning.
 *
 * The replacement is an exact match on the pinned source (source-patch.mjs). Any other source
 * (a kafkajs upgrade, a changed file) fails the build instead of shipping the warning, or a
 * wrong patch, silently.
 */
import { patchPlugin, replaceOnce } from './source-patch.mjs';

/** The module patched, as esbuild resolves it inside node_modules. */
export const REQUEST_QUEUE = /[\\/]kafkajs[\\/]src[\\/]network[\\/]requestQueue[\\/]index\.js$/;

const BEFORE = `      this.throttleCheckTimeoutId = setTimeout(() => {
        this.throttleCheckTimeoutId = null
        this.checkPendingRequests()
      }, scheduleAt)`;
const AFTER = `      this.throttleCheckTimeoutId = setTimeout(() => {
        this.throttleCheckTimeoutId = null
        this.checkPendingRequests()
      }, Math.max(1, scheduleAt))`;

/** Returns the request queue's source with the delay floored at 1 ms; throws unless it matches exactly once. */
export function patchRequestQueue(source, file = 'kafkajs/src/network/requestQueue/index.js') {
  return replaceOnce(
    source,
    BEFORE,
    AFTER,
    `${file} is not the source the kafkajs 1751 patch was written for (scripts/build/kafkajs-negative-timeout.mjs): ` +
      'if this kafkajs release fixed the negative setTimeout, remove the plugin; otherwise update its exact match',
  );
}

/** The module this patch changes, and how (for the plugin and for the tests' require hook). */
export const NEGATIVE_TIMEOUT_PATCHES = [
  {
    module: REQUEST_QUEUE,
    file: 'kafkajs/src/network/requestQueue/index.js',
    patch: patchRequestQueue,
  },
];

/** The plugin; the build fails too if the request queue was never bundled (nothing was patched). */
export function kafkajsNegativeTimeout() {
  return patchPlugin('kafkajs-negative-timeout', NEGATIVE_TIMEOUT_PATCHES);
}
