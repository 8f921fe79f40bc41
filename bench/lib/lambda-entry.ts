/**
 * The collector's internals, re-exported for one esbuild bundle built like dist/handler.js
 * (see bundle.ts): benchmarks must time the code Lambda runs, scope-hoisted and minified,
 * not the per-file CommonJS tsx makes of it (whose export getters cost more than the work).
 */
// kafkajs as the bundle patches it (scripts/build/kafkajs-patches.mjs), for the floor.
export { Kafka } from 'kafkajs';
export { loadConfig } from '../../lambda/config.js';
export { decodeUserRecords } from '../../lambda/decoding.js';
export { createHandler } from '../../lambda/handler.js';
export { acknowledgedPartitions, unacknowledged } from '../../lambda/kafka/acknowledgements.js';
export { registerCodecs } from '../../lambda/kafka/codecs.js';
export { javaPartition } from '../../lambda/kafka/partitioner.js';
export { pinnedJavaPartitioner } from '../../lambda/kafka/pinned-partitioner.js';
export { planRequests, WarmProducer } from '../../lambda/kafka/producer.js';
export { spanMessages } from '../../lambda/messages.js';
export { SpanOutputs } from '../../lambda/outputs/span-outputs.js';
export { readRecords } from '../../lambda/records.js';
export { checkSpans } from '../../lambda/spans.js';
