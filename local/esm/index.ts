/**
 * A local Lambda event source mapping for Kinesis: reads shards (kinesalite, AWS, or memory),
 * builds Lambda-shaped events, invokes a handler in-process and follows Lambda's checkpoint,
 * retry, bisection and on-failure rules. Used by `npm start` and by tests that need Lambda's
 * delivery semantics without AWS.
 *
 * @example
 * const run = await runShard(new MemoryShard(payloads), handler, { batchSize: 500, bisectBatchOnError: true });
 */
export { lambdaContext, type StreamHandler } from './invoke.js';
export { KinesisShard, kinesisShards } from './kinesis-shard.js';
export {
  payloadBytes,
  type RecordOrigin,
  type StoredRecord,
  toLambdaRecord,
} from './lambda-record.js';
export { type MappingRun, runMapping } from './mapping.js';
export {
  type MemoryRecordInput,
  MemoryShard,
  type MemoryShardOptions,
  memorySequenceNumber,
} from './memory-shard.js';
export type { DiscardCondition, OnFailureRecord } from './on-failure.js';
export { type FailureCause, type Outcome, readResponse } from './response.js';
export {
  type InvocationReport,
  type RunShardOptions,
  runShard,
  type ShardRun,
} from './run-shard.js';
export {
  LAMBDA_PAYLOAD_LIMIT,
  type MappingOptions,
  type MappingSettings,
  mappingSettings,
} from './settings.js';
export type { ShardSource } from './source.js';
export { addStats, emptyStats, type ShardStats } from './stats.js';
