import { expect, it } from 'vitest';
import { sharedCluster } from '../harness/cluster-context.js';
import { rollingRestart } from './faults.js';
import { describeRun, underFault } from './under-fault.js';

/**
 * MSK's monthly patching: every broker in turn does a controlled shutdown (its leaderships move
 * to the other replicas while spans are in flight), comes back, and catches up before the next
 * one goes. Nothing the handler answered as stored may be missing.
 */
it('loses no span while all three brokers restart one after another', async () => {
  const cluster = sharedCluster();
  let moves: string[] = [];
  const result = await underFault(async ({ topic }) => {
    moves = await rollingRestart(cluster, topic);
  });

  console.info(`${describeRun('rolling restart', result)}; ${moves.join(', ')}`);
  expect(result.missing, 'records answered as stored whose spans are not in the topic').toEqual([]);
  expect(moves.some((m) => !m.endsWith(' led 0'))).toBe(true);
});
