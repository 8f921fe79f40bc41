import { readFileSync } from 'node:fs';
import type { KinesisStreamEvent } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { sampleEvents } from '../../scripts/generate-events.js';
import { lambdaContext } from '../helpers/factories.js';
import { handlerModule, offlineConfig, recordingProducer } from '../helpers/handler.js';

/**
 * The sample events in events/ are what `npm run events` writes, and each does what its name
 * says when the real handler reads it (with a producer that acknowledges everything).
 */

let createHandler: typeof import('../../lambda/handler.js').createHandler;
const config = offlineConfig();

beforeAll(async () => {
  ({ createHandler } = await handlerModule());
});

const committed = (name: string): KinesisStreamEvent =>
  JSON.parse(readFileSync(`events/${name}`, 'utf8')) as KinesisStreamEvent;

async function run(name: string) {
  const { producer, sent } = recordingProducer();
  const response = await createHandler(config, producer)(committed(name), lambdaContext());
  const spans = sent.filter((m) => m.topic === config.kafka.topic);
  return { response, keys: spans.map((m) => m.key?.toString()) };
}

describe('sample events', () => {
  it.each(Object.entries(sampleEvents()))(
    'events/%s is what `npm run events` writes',
    (name, event) => {
      expect(committed(name)).toEqual(JSON.parse(JSON.stringify(event)));
    },
  );

  it('valid-spans.json: 12 spans of 4 traces, each keyed by its traceId', async () => {
    const { response, keys } = await run('valid-spans.json');

    expect(response).toEqual({ batchItemFailures: [] });
    expect(keys).toHaveLength(12);
    expect(new Set(keys).size).toBe(4);
    expect(keys).toEqual(committed('valid-spans.json').Records.map((r) => r.kinesis.partitionKey));
  });

  it('kpl-aggregated.json: 3 records carry 14 spans (5 + 8 aggregated, 1 plain)', async () => {
    const { response, keys } = await run('kpl-aggregated.json');

    expect(response).toEqual({ batchItemFailures: [] });
    expect(keys).toHaveLength(14);
  });

  it('invalid-records.json: no span reaches the span topic and no record is reported as a failure', async () => {
    const { response, keys } = await run('invalid-records.json');

    expect(response).toEqual({ batchItemFailures: [] });
    expect(keys).toEqual([]);
  });
});
