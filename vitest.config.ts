import { defineConfig } from 'vitest/config';

/**
 * Three suites, each runnable alone:
 * - unit: pure code, no network, no child processes;
 * - integration: real Kafka broker (KRaft, jars from Maven Central) and kinesalite,
 *   started once by the global setup and shared by the files, one topic per test;
 * - otel: the OpenTelemetry Collector (built by `npm run otelcol`, cached under ~/.cache)
 *   reading the OTLP output through the same real broker;
 * - cdk: assertion tests on the synthesized stack.
 */
// The function's own logs and EMF metrics go to stdout, bypassing vitest's capture; keep the
// test output readable unless a developer asks for them (POWERTOOLS_LOG_LEVEL=DEBUG npm test).
const quiet = {
  POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT',
  POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          env: quiet,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          env: quiet,
          globalSetup: ['test/harness/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          // One broker is shared; files run one after another so fault tests
          // (stopping or pausing the broker) never disturb another file.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'otel',
          include: ['test/otel/**/*.test.ts'],
          environment: 'node',
          env: quiet,
          globalSetup: ['test/harness/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'cdk',
          include: ['test/cdk/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
        },
      },
    ],
  },
});
