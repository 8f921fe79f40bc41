import { DeleteStreamCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { kinesisClient, startKinesalite } from '../../test/harness/kinesis.js';
import { createStreamOn } from './streams.js';

/** The Kinesis API a local run uses and the stream it made for itself. */
export interface LocalKinesis {
  client: KinesisClient;
  endpoint: string;
  streamName: string;
  /** True when an endpoint was given (the stream is deleted at the end, the server left running). */
  external: boolean;
  stop(): Promise<void>;
}

/**
 * A fresh stream with `shards` shards: on kinesalite started in this process (in memory, no
 * files), or on the Kinesis-compatible endpoint given, where the stream gets a name of its
 * own so that records of earlier runs cannot mix into this one.
 */
export async function useKinesis(
  endpoint: string | undefined,
  shards: number,
  runId: string,
): Promise<LocalKinesis> {
  if (!endpoint) {
    const server = await startKinesalite();
    const streamName = 'haystack-proto-spans';
    await server.createStream(streamName, shards);
    return {
      client: server.client,
      endpoint: server.endpoint,
      streamName,
      external: false,
      stop: server.stop,
    };
  }
  const client = kinesisClient(endpoint);
  const streamName = `haystack-proto-spans-${runId}`;
  await createStreamOn(client, streamName, shards);
  return {
    client,
    endpoint,
    streamName,
    external: true,
    stop: async () => {
      await client
        .send(new DeleteStreamCommand({ StreamName: streamName, EnforceConsumerDeletion: true }))
        .catch(() => undefined);
      client.destroy();
    },
  };
}
