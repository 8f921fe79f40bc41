import { setTimeout as delay } from 'node:timers/promises';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';

/** Creates a provisioned stream and resolves once it is ACTIVE (AWS takes ~30 s, kinesalite none). */
export async function createStreamOn(
  client: KinesisClient,
  name: string,
  shards: number,
  timeoutMs = 120_000,
): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  await waitActive(client, name, timeoutMs);
}

/** Resolves once the stream is ACTIVE; throws when it is not within `timeoutMs`. */
export async function waitActive(
  client: KinesisClient,
  name: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { StreamDescriptionSummary: s } = await client.send(
      new DescribeStreamSummaryCommand({ StreamName: name }),
    );
    if (s?.StreamStatus === 'ACTIVE') return;
    if (Date.now() > deadline)
      throw new Error(`Stream ${name} still ${s?.StreamStatus} after ${timeoutMs} ms`);
    await delay(250);
  }
}
