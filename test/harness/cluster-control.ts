import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KafkaBroker } from './kafka/broker.js';
import type { KafkaCluster } from './kafka/cluster.js';

/**
 * Remote control of the cluster's JVMs for test files. The cluster belongs to the vitest
 * global setup's process (its brokers die with it), while tests run in worker processes, so
 * stopping and starting a broker goes through this small HTTP server on loopback:
 * `POST /nodes/<id>/<action>` answers once the action is done (a restarted broker has
 * registered again), or with status 500 and the error.
 */

/**
 * What a test can do to one broker; see `KafkaBroker` for each. `start` restarts a broker that
 * is not running and leaves a running one alone: how a test puts the cluster back together,
 * whatever its fault did.
 */
export type NodeAction = 'kill' | 'shutdown' | 'restart' | 'pause' | 'resume' | 'start';

const ACTIONS: ReadonlySet<string> = new Set<NodeAction>([
  'kill',
  'shutdown',
  'restart',
  'pause',
  'resume',
  'start',
]);

function act(broker: KafkaBroker, action: NodeAction): Promise<void> {
  if (action === 'start') return broker.pid === undefined ? broker.restart() : Promise.resolve();
  return Promise.resolve(broker[action]());
}

/** Serves {@link NodeAction}s on `cluster`'s brokers at a loopback URL. */
export async function serveClusterControl(
  cluster: KafkaCluster,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    const [, nodes, id, action] = (request.url ?? '').split('/');
    if (request.method !== 'POST' || nodes !== 'nodes' || !action || !ACTIONS.has(action)) {
      response.writeHead(404).end();
      return;
    }
    Promise.resolve()
      .then(() => act(cluster.node(Number(id)), action as NodeAction))
      .then(
        () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'),
        (error: Error) => response.writeHead(500).end(error.stack ?? String(error)),
      );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The test side: each call resolves when the global setup's process has done the action. */
export type ClusterControl = Record<NodeAction, (id: number) => Promise<void>>;

/** A client of {@link serveClusterControl} at `url`. */
export function clusterControl(url: string): ClusterControl {
  const call = (action: NodeAction) => async (id: number) => {
    const response = await fetch(`${url}/nodes/${id}/${action}`, { method: 'POST' });
    if (!response.ok) {
      throw new Error(`${action} of broker ${id} failed: ${await response.text()}`);
    }
  };
  return {
    kill: call('kill'),
    shutdown: call('shutdown'),
    restart: call('restart'),
    pause: call('pause'),
    resume: call('resume'),
    start: call('start'),
  };
}
