import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type {
  Context,
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  KinesisStreamRecord,
} from 'aws-lambda';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { Span } from '../../proto/haystack.generated.js';

/**
 * The pattern many teams write first, for comparison: Powertools' `BatchProcessor` with a
 * record handler that decodes the span with the generated protobuf code, checks it, and
 * awaits one `producer.send` per record (acks=all, a warm producer created once). Records run
 * concurrently, as `processPartialResponse` does by default.
 */
export async function conventionalHandler(
  brokers: string[],
  topic: string,
): Promise<{
  handler: (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse>;
  close(): Promise<void>;
}> {
  const producer = new Kafka({
    clientId: 'bench-conventional',
    brokers,
    logLevel: logLevel.NOTHING,
  }).producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  const processor = new BatchProcessor(EventType.KinesisDataStreams);
  const recordHandler = async (record: KinesisStreamRecord): Promise<void> => {
    const bytes = Buffer.from(record.kinesis.data, 'base64');
    const span = Span.decode(bytes);
    if (!span.serviceName || !span.operationName || !span.spanId || !span.traceId) {
      throw new Error('invalid span');
    }
    await producer.send({ topic, acks: -1, messages: [{ key: span.traceId, value: bytes }] });
  };
  return {
    handler: (event, context) =>
      processPartialResponse(event, recordHandler, processor, { context }),
    close: () => producer.disconnect(),
  };
}
