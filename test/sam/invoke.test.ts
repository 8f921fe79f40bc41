import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KinesisStreamEvent } from 'aws-lambda';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { DeadLetterHeader } from '../../lambda/dead-letters.js';
import { javaPartition } from '../../lambda/kafka/partitioner.js';
import { dockerApi } from '../harness/docker/api.js';
import { errorLines, functionLog, samLocalInvoke } from '../harness/sam/cli.js';
import { createTopic, type ReadMessage, randomTopic, readAll } from '../harness/topics.js';
import { writeCollectorEnv } from './env-vars.js';
import { expectedSpans, messageRow } from './expected.js';

/**
 * `sam local invoke` for real: the SAM CLI reads the template `npm run synth` wrote (its
 * `aws:asset:path` is the bundle), layers its runtime interface emulator on the offline
 * nodejs24.x image of the function's architecture, and runs the function under Lambda's own
 * runtime interface client against a real broker. Each sample event in events/ is checked
 * message by message in Kafka; the function's log must hold no ERROR line.
 */

const sam = inject('sam');
const PARTITIONS = 6;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'sam-invoke-'));

/** The reason each record of events/invalid-records.json is refused, by its partition key. */
const REFUSALS: Record<string, string> = {
  'not-protobuf': 'undecodable',
  'missing-service-name': 'missing-service-name',
  'missing-operation-name': 'missing-operation-name',
  'missing-span-id': 'missing-span-id',
  'missing-trace-id': 'missing-trace-id',
  'start-time-in-milliseconds': 'start-time-not-micros',
  truncated: 'undecodable',
};

const event = (file: string): KinesisStreamEvent =>
  JSON.parse(readFileSync(file, 'utf8')) as KinesisStreamEvent;

/** Fresh topics and a SAM env-vars file pointing the function at them on the harness broker. */
async function environment(extra: Record<string, string> = {}) {
  const topic = randomTopic('sam-spans');
  const dlq = randomTopic('sam-dlq');
  await createTopic(sam.brokers, topic, PARTITIONS);
  await createTopic(sam.brokers, dlq, 1);
  const envFile = writeCollectorEnv(
    path.join(tmp, `${topic}.json`),
    sam.brokers,
    { topic, dlq },
    extra,
  );
  return { topic, dlq, envFile };
}

const asRow = messageRow;

const header = (m: ReadMessage, name: string) => m.headers[name]?.toString();

afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
  expect(await dockerApi(sam.dockerSocket).containers()).toEqual([]);
});

describe(`sam local invoke (${sam.architecture} under the runtime interface client)`, () => {
  it.each(['events/valid-spans.json', 'events/kpl-aggregated.json'])(
    '%s: every span in Kafka under its traceId, bytes as sent, on Java’s partition; no ERROR line',
    async (file) => {
      const { topic, dlq, envFile } = await environment();
      const spans = expectedSpans(event(file));

      const run = await samLocalInvoke(file, envFile, sam.image, sam.dockerHost);

      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual({ batchItemFailures: [] });
      expect(errorLines(functionLog(run.stderr))).toEqual([]);
      const stored = await readAll(sam.brokers, topic, spans.length);
      expect(stored.map(asRow).sort()).toEqual(
        spans.map((s) => asRow({ ...s, partition: javaPartition(s.key, PARTITIONS) })).sort(),
      );
      expect(await readAll(sam.brokers, dlq, 0)).toEqual([]);
    },
  );

  it('events/invalid-records.json: each record dead-lettered with its bytes and reason, no span, no failure named', async () => {
    const file = 'events/invalid-records.json';
    const { topic, dlq, envFile } = await environment();
    const records = event(file).Records;

    const run = await samLocalInvoke(file, envFile, sam.image, sam.dockerHost);

    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ batchItemFailures: [] });
    expect(errorLines(functionLog(run.stderr))).toEqual([]);
    const letters = await readAll(sam.brokers, dlq, records.length);
    expect(
      letters
        .map((m) => ({
          key: m.key?.toString(),
          value: m.value?.toString('base64'),
          reason: header(m, DeadLetterHeader.reason),
          sequenceNumber: header(m, DeadLetterHeader.sequenceNumber),
        }))
        .sort((a, b) => String(a.sequenceNumber).localeCompare(String(b.sequenceNumber))),
    ).toEqual(
      records.map((r) => ({
        key: r.kinesis.partitionKey,
        value: r.kinesis.data,
        reason: REFUSALS[r.kinesis.partitionKey],
        sequenceNumber: r.kinesis.sequenceNumber,
      })),
    );
    expect(await readAll(sam.brokers, topic, 0)).toEqual([]);
  });

  // SAM applies an env-vars entry only to a variable the template declares, as this one is.
  it('a bad environment stops the cold start with the variable named, and nothing is produced', async () => {
    const { topic, envFile } = await environment({ KAFKA_SASL_MECHANISM: 'kerberos' });

    const run = await samLocalInvoke('events/valid-spans.json', envFile, sam.image, sam.dockerHost);

    expect(JSON.parse(run.stdout)).toMatchObject({
      errorType: 'ConfigError',
      errorMessage: expect.stringContaining('KAFKA_SASL_MECHANISM="kerberos" is not accepted'),
    });
    // The cold start's own log line; there is no REPORT, the runtime exits during init.
    const coldStart = run.stderr.split('\n').find((l) => l.includes('Cold start stopped'));
    expect(coldStart).toContain('KAFKA_SASL_MECHANISM=\\"kerberos\\" is not accepted');
    expect(await readAll(sam.brokers, topic, 0)).toEqual([]);
  });
});
