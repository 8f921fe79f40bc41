import { defineConfig } from 'vitest/config';

/**
 * Three suites, each runnable alone:
 * - unit: pure code, no network, no child processes;
 * - integration: real Kafka broker (KRaft, jars from Maven Central) and kinesalite,
 *   started once by the global setup and shared by the files, one topic per test;
 * - cdk: assertion tests on the synthesized stack.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/harness/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          // One broker is shared; files run one after another so fault tests
          // (stopping or pausing the broker) never disturb another file.
          fileParallelism: false,
        },
      },
    ],
  },
});
