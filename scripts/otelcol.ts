import { otelcolBinary } from '../test/harness/otelcol/build.js';

/**
 * `npm run otelcol`: builds the OpenTelemetry Collector the OTel tests and benchmarks run, if
 * the cache (~/.cache/haystack-kinesis-collector) does not hold it yet, and prints its path.
 */
otelcolBinary((line) => process.stderr.write(`${line}\n`)).then(
  (binary) => process.stdout.write(`${binary}\n`),
  (error) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  },
);
