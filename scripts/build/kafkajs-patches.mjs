/**
 * Every build-time patch of kafkajs, for every bundle of the collector (scripts/build.mjs, the
 * benchmarks' bench/lib/bundle.ts, the tests): what is measured and tested is what ships.
 */

import { kafkajsEncoding } from './kafkajs-encoding.mjs';
import { kafkajsNegativeTimeout } from './kafkajs-negative-timeout.mjs';

/** The esbuild plugins, in order. */
export function kafkajsPatches() {
  return [kafkajsNegativeTimeout(), kafkajsEncoding()];
}
