import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { startKafka } from './kafka/broker.js';

/**
 * Vitest global setup of the integration project: one Kafka broker for all test files,
 * with every listener the suites need (PLAINTEXT, SSL, SASL_SSL with SCRAM and PLAIN
 * users, and SASL_SSL with OAUTHBEARER checked as Amazon MSK's IAM would, for a cluster in
 * us-east-1), so security tests need no broker of their own. The Kafka release comes from
 * env `KAFKA_VERSION` (default `DEFAULT_KAFKA_VERSION`, see kafka/jars.ts).
 *
 * Tests read the connection details with `sharedKafka()` from context.ts.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const broker = await startKafka({
    ssl: true,
    saslScram: { username: 'harness-scram', password: randomBytes(12).toString('hex') },
    saslPlain: { username: 'harness-plain', password: randomBytes(12).toString('hex') },
    mskIam: { region: 'us-east-1' },
  });
  const { jarsMs, prepareMs, readyMs } = broker.timings;
  console.log(
    `[harness] Kafka ${broker.version} ready at ${broker.brokers.join(',')} ` +
      `(jars ${jarsMs} ms, format ${prepareMs} ms, start ${readyMs} ms; log ${broker.logFile})`,
  );
  project.provide('kafka', broker.info());
  return async () => {
    await broker.stop();
  };
}
