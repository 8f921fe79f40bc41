import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import kinesalite from 'kinesalite';

/** A running in-process kinesalite (Kinesis emulator). */
export interface Kinesalite {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  /** Client configured for this emulator; destroyed by {@link Kinesalite.stop}. */
  client: KinesisClient;
  /** Creates a stream and resolves once it is ACTIVE. */
  createStream(name: string, shards?: number): Promise<void>;
  /** Closes the client and the server; the in-memory data is gone. */
  stop(): Promise<void>;
}

/**
 * Starts kinesalite in this process on a free 127.0.0.1 port, storing data in memory
 * (kinesalite uses memdown when no `path` is given, so no native LevelDB is involved).
 */
export async function startKinesalite(): Promise<Kinesalite> {
  const server = kinesalite({
    // No artificial CREATING/UPDATING phases: tests should not wait for fake latency.
    createStreamMs: 0,
    deleteStreamMs: 0,
    updateStreamMs: 0,
    shardLimit: 100,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('kinesalite has no TCP address');
  const endpoint = `http://127.0.0.1:${address.port}`;
  const client = kinesisClient(endpoint);

  return {
    endpoint,
    client,
    createStream: (name, shards = 1) => createStream(client, name, shards),
    stop: async () => {
      client.destroy();
      server.closeAllConnections?.();
      await new Promise<void>((resolve, reject) =>
        server.close((err) => (err ? reject(err) : resolve())),
      );
    },
  };
}

/**
 * A Kinesis client for an emulator endpoint. HTTP/1.1 on purpose: the SDK's default
 * handler for Kinesis speaks HTTP/2, which kinesalite does not.
 */
export function kinesisClient(endpoint: string): KinesisClient {
  return new KinesisClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDTESTHARNESS', secretAccessKey: 'test-harness-secret' },
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 3,
  });
}

async function createStream(client: KinesisClient, name: string, shards: number): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { StreamDescriptionSummary: s } = await client.send(
      new DescribeStreamSummaryCommand({ StreamName: name }),
    );
    if (s?.StreamStatus === 'ACTIVE') return;
    if (Date.now() > deadline)
      throw new Error(`Stream ${name} still ${s?.StreamStatus} after 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
