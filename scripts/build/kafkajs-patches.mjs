/**
 * Every build-time patch of kafkajs, for every bundle of the collector (scripts/build.mjs, the
 * benchmarks' bench/lib/bundle.ts, the tests): what is measured and tested is what ships.
 */

import { ENCODING_PATCHES, kafkajsEncoding } from './kafkajs-encoding.mjs';
import { kafkajsNegativeTimeout, NEGATIVE_TIMEOUT_PATCHES } from './kafkajs-negative-timeout.mjs';

/** The esbuild plugins, in order. */
export function kafkajsPatches() {
  return [kafkajsNegativeTimeout(), kafkajsEncoding()];
}

/**
 * The same patches as module patches (`{ module, file, patch }`), for code that loads kafkajs
 * from node_modules instead of the bundle: the tests' require hook (test/harness/patched-kafkajs.ts).
 */
export function kafkajsModulePatches() {
  return [...NEGATIVE_TIMEOUT_PATCHES, ...ENCODING_PATCHES];
}
