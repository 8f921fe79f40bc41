#!/usr/bin/env node
import { statSync } from 'node:fs';
// `npm run build`: the deployable single-file bundle dist/handler.js (CommonJS, exports
// `handler`), its source map, and the third-party licence notices. The CDK stack deploys this
// same file, so what the tests run is what Lambda runs.
import { build } from 'esbuild';
import { kafkajsPatches } from './build/kafkajs-patches.mjs';

const outfile = 'dist/handler.js';
const result = await build({
  entryPoints: ['lambda/handler.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  // The oldest Node.js the bundle must run on: the machine's 20 for tests, Lambda's 22/24 in production.
  target: 'node20',
  minify: true,
  // 'linked' writes the sourceMappingURL comment; with NODE_OPTIONS=--enable-source-maps (set by the
  // stack) stack traces then name lambda/*.ts lines instead of the minified bundle's.
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'external',
  metafile: true,
  logLevel: 'warning',
  // kafkajs 1751: no TimeoutNegativeWarning (an ERROR line under Lambda) on Node.js 23 and later;
  // the producer's encoding, same bytes at a fraction of the CPU (scripts/build/kafkajs-*.mjs).
  plugins: kafkajsPatches(),
});

const bytes = statSync(outfile).size;
const inputs = Object.keys(result.metafile.inputs).length;
console.log(`${outfile}: ${(bytes / 1024).toFixed(1)} KiB from ${inputs} modules`);
