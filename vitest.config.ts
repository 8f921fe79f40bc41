import { defineConfig } from 'vitest/config';

/**
 * Suites, each runnable alone:
 * - unit: pure code, no network, no child processes;
 * - integration: real Kafka broker (KRaft, jars from Maven Central) and kinesalite,
 *   started once by the global setup and shared by the files, one topic per test;
 * - otel: the OpenTelemetry Collector (built by `npm run otelcol`, cached under ~/.cache)
 *   reading the OTLP output through the same real broker;
 * - cluster: fault tests on a production-shaped cluster (a controller and three brokers,
 *   replication factor 3), started once by its own global setup;
 * - cdk: assertion tests on the synthesized stack;
 * - sam: `sam local invoke` of the synthesized template in Docker, and `npm run replay` through
 *   `sam local start-lambda` of it (`npm run test:sam`, which synthesizes first), with a Docker
 *   daemon, the offline image and a broker of its own.
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
          // kafkajs as the bundle patches it (scripts/build/kafkajs-patches.mjs).
          setupFiles: ['test/harness/patched-kafkajs.ts'],
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
          // kafkajs as the bundle patches it (scripts/build/kafkajs-patches.mjs).
          setupFiles: ['test/harness/patched-kafkajs.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'cluster',
          include: ['test/cluster/**/*.test.ts'],
          environment: 'node',
          env: quiet,
          globalSetup: ['test/harness/cluster-setup.ts'],
          // kafkajs as the bundle patches it (scripts/build/kafkajs-patches.mjs).
          setupFiles: ['test/harness/patched-kafkajs.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          // Every file moves leaders and stops brokers of the one cluster: one file at a time.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'cdk',
          include: ['test/cdk/**/*.test.ts'],
          environment: 'node',
          // Generous: a synth spawns the CDK CLI and esbuild, slow on a loaded 2-core machine.
          testTimeout: 300_000,
        },
      },
      {
        test: {
          name: 'sam',
          include: ['test/sam/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/sam/global-setup.ts'],
          testTimeout: 180_000,
          // The first run builds the runtime interface client and the image (a few minutes).
          hookTimeout: 900_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
