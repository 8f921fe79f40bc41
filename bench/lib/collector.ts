import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import type { Compression } from '../../lambda/config.js';
import { loadBundledLambda } from './bundle.js';

/** The real handler around its own warm producer, for one topic and compression. */
export interface BenchCollector {
  handler: (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse>;
  close(): Promise<void>;
}

const BASE_ENV = {
  KAFKA_SSL: 'false',
  KAFKA_SASL_MECHANISM: 'none',
  KAFKA_DLQ_TOPIC: 'none',
  // Logs and EMF lines would go to stdout and mix with the tables; both cost microseconds
  // per invocation, nothing against 10,000 spans.
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
  KAFKAJS_NO_PARTITIONER_WARNING: '1',
};

/**
 * Builds the handler from the bundled code as Lambda's init does (lambda/handler.ts reads the
 * environment when loaded, so the environment is set before the bundle loads), with defaults
 * otherwise.
 */
export async function benchCollector(
  brokers: string[],
  topic: string,
  compression: Compression,
  /** More of the function's variables (INPUT_FORMAT, OUTPUT_FORMAT, …). */
  extra: Record<string, string> = {},
): Promise<BenchCollector> {
  const env = {
    ...BASE_ENV,
    KAFKA_BROKERS: brokers.join(','),
    KAFKA_TOPIC: topic,
    KAFKA_COMPRESSION: compression,
  };
  for (const [name, value] of Object.entries(env)) process.env[name] ??= value;
  const { createHandler, loadConfig, WarmProducer } = await loadBundledLambda();
  const config = loadConfig({ ...process.env, ...env, ...extra });
  const producer = new WarmProducer(config.kafka);
  return { handler: createHandler(config, producer), close: () => producer.close() };
}
