import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { beforeAll, expect, it } from 'vitest';
import { javaPartition } from '../../lambda/kafka/partitioner.js';
import { sharedKafka } from '../harness/context.js';
import { createTopic, randomTopic, readAll } from '../harness/topics.js';
import { encodeSpan, kinesisEvent } from '../helpers/factories.js';

/**
 * The deployable artefact itself: dist/handler.js, loaded by a fresh Node.js process the way
 * Lambda's runtime loads it (require, then call `handler`), configured only by environment.
 */

const run = promisify(execFile);
const kafka = sharedKafka();
const BUNDLE = 'dist/handler.js';

/** Loads the bundle in a child process, invokes it once with `event`, returns the response. */
async function invokeBundle(
  event: unknown,
  env: Record<string, string>,
): Promise<{ response: unknown; stderr: string }> {
  const script = `
    const { handler } = require(process.cwd() + '/${BUNDLE}');
    const deadline = Date.now() + 20000;
    const event = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
    handler(event, { getRemainingTimeInMillis: () => deadline - Date.now() })
      .then((r) => { process.stdout.write('RESPONSE ' + JSON.stringify(r) + '\\n'); process.exit(0); });`;
  const child = run(process.execPath, ['-e', script], {
    env: { PATH: process.env.PATH, POWERTOOLS_LOG_LEVEL: 'WARN', ...env },
    timeout: 60_000,
  });
  child.child.stdin?.end(JSON.stringify(event));
  const { stdout, stderr } = await child;
  const line = stdout.split('\n').find((l) => l.startsWith('RESPONSE '));
  return { response: JSON.parse(line?.slice('RESPONSE '.length) ?? 'null'), stderr };
}

beforeAll(() => {
  if (!existsSync(BUNDLE))
    throw new Error(`${BUNDLE} is missing: run npm run build first (npm test does)`);
});

it('the built bundle exports handler and produces spans with only environment configuration', async () => {
  const topic = randomTopic('bundle');
  const dlq = randomTopic('bundle-dlq');
  await createTopic(kafka.brokers, topic, 4);
  await createTopic(kafka.brokers, dlq, 1);
  const spans = Array.from({ length: 8 }, (_, i) => encodeSpan({ traceId: `bundle-${i}` }));
  const invalid = encodeSpan({ spanId: '' });

  const { response, stderr } = await invokeBundle(kinesisEvent([...spans, invalid]), {
    KAFKA_BROKERS: kafka.brokers.join(','),
    KAFKA_TOPIC: topic,
    KAFKA_DLQ_TOPIC: dlq,
    KAFKA_SSL: 'false',
    KAFKA_SASL_MECHANISM: 'none',
  });
  const read = await readAll(kafka.brokers, topic, spans.length);
  const letters = await readAll(kafka.brokers, dlq, 1);

  expect(response).toEqual({ batchItemFailures: [] });
  expect(read.map((m) => m.value)).toEqual(expect.arrayContaining(spans));
  expect(read).toHaveLength(spans.length);
  for (const m of read) expect(m.partition).toBe(javaPartition(m.key as Buffer, 4));
  expect(letters.map((m) => m.value)).toEqual([invalid]);
  // kafkajs 1751, patched by the build: on Node.js >= 23 (test:lambda-node) this would warn.
  expect(stderr).not.toContain('TimeoutNegativeWarning');
});

it('refuses to start with a bad environment, naming the variable', async () => {
  const failure = await invokeBundle(kinesisEvent([encodeSpan()]), {
    KAFKA_BROKERS: 'nohostport',
    KAFKA_ACKS: '0',
  }).catch((error: { stderr: string; code: number }) => error);

  expect('code' in failure && failure.code).toBe(1);
  expect(failure.stderr).toContain('KAFKA_BROKERS="nohostport" is not accepted');
  expect(failure.stderr).toContain('KAFKA_ACKS="0" is not accepted');
});
