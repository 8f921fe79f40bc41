import { expect, it } from 'vitest';
import { sharedCluster } from '../harness/cluster-context.js';
import { mixedRecord } from '../helpers/mixed-records.js';
import { rollingRestart } from './faults.js';
import { describeRun, underFault } from './under-fault.js';

/**
 * test/integration/no-span-lost.test.ts's accounting on the cluster: valid and invalid spans,
 * plain records and KPL aggregates, through Lambda's rules, with a rolling restart of all three
 * brokers in the middle. Every valid span reaches the span topic, every refused user record
 * the dead-letter topic with its reason, and nothing else appears in either.
 */
it('stores every valid span and dead-letters every invalid record through a rolling restart', async () => {
  const cluster = sharedCluster();
  const result = await underFault(
    async ({ topic }) => {
      await rollingRestart(cluster, topic);
    },
    { record: mixedRecord, deadLetters: true, rate: 4_000 },
  );

  console.info(
    `${describeRun('no-span-lost on the cluster', result)}; ` +
      `${result.invalid.size} invalid records, ${result.letters - result.invalid.size} duplicate dead letters`,
  );
  expect(result.missing).toEqual([]);
  expect(result.foreign).toBe(0);
  expect(result.lettered).toEqual(result.invalid);
  expect(result.invalid.size).toBeGreaterThan(100);
});
