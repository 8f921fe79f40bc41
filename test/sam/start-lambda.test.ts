import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, inject, it } from 'vitest';
import { dockerApi } from '../harness/docker/api.js';
import { startLocalLambdaApi } from '../harness/sam/start-lambda.js';
import { createTopic, randomTopic, readAll } from '../harness/topics.js';

/**
 * `sam local start-lambda` through the same launcher and image: the Lambda Invoke API on
 * loopback, for tests that call the function as the AWS SDK does.
 */

const sam = inject('sam');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'sam-start-lambda-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

it('serves the Invoke API: the function answers and its spans are in Kafka; no container is left', async () => {
  const topic = randomTopic('sam-api');
  await createTopic(sam.brokers, topic, 3);
  const envFile = path.join(tmp, 'env.json');
  writeFileSync(
    envFile,
    JSON.stringify({
      CollectorFunction: {
        KAFKA_BROKERS: sam.brokers.join(','),
        KAFKA_TOPIC: topic,
        KAFKA_DLQ_TOPIC: 'none',
        KAFKA_SSL: 'false',
        KAFKA_SASL_MECHANISM: 'none',
      },
    }),
  );
  const event = readFileSync('events/valid-spans.json', 'utf8');
  const api = await startLocalLambdaApi(sam.dockerHost, sam.image, envFile);
  let answer: unknown;
  try {
    const response = await fetch(
      `${api.endpoint}/2015-03-31/functions/CollectorFunction/invocations`,
      { method: 'POST', body: event },
    );
    answer = await response.json();
  } finally {
    await api.stop();
  }

  expect(answer, api.output()).toEqual({ batchItemFailures: [] });
  expect(await readAll(sam.brokers, topic, 12)).toHaveLength(12);
  expect(await dockerApi(sam.dockerSocket).containers()).toEqual([]);
});
