import type { TestProject } from 'vitest/node';
import { startKafka } from '../harness/kafka/broker.js';
import { startSamEnvironment } from '../harness/sam/environment.js';

/** What the sam suite's files get from {@link setup}. */
export interface SamContext {
  dockerHost: string;
  /** The daemon's socket, for the Engine API (which containers exist). */
  dockerSocket: string;
  image: string;
  architecture: string;
  /** PLAINTEXT bootstrap of the broker, on loopback: the function reaches it from the host network. */
  brokers: string[];
}

declare module 'vitest' {
  export interface ProvidedContext {
    sam: SamContext;
  }
}

/**
 * Global setup of `npm run test:sam`: a Docker daemon of its own (no bridge, loopback only),
 * the offline image for the template's architecture, and a Kafka broker from the harness.
 * The teardown stops both by PID; a container still there at the end fails the run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const say = (line: string) => console.log(`[sam] ${line}`);
  const [environment, kafka] = await Promise.all([startSamEnvironment(say), startKafka()]);
  say(
    `${environment.image} (${environment.architecture}); Kafka ${kafka.version} at ${kafka.brokers.join(',')}`,
  );
  project.provide('sam', {
    dockerHost: environment.docker.host,
    dockerSocket: environment.docker.socket,
    image: environment.image,
    architecture: environment.architecture,
    brokers: kafka.brokers,
  });
  return async () => {
    await kafka.stop();
    const left = await environment.stop();
    if (left.length > 0)
      throw new Error(`Containers left behind (now removed): ${left.join(', ')}`);
  };
}
