/**
 * The collector for CDK apps of your own: `import { HaystackCollector } from
 * 'haystack-kinesis-lambda-collector/cdk'`. The props are the same settings as this
 * repository's `cdk.json` context (`CollectorProps`), every default in `defaults.ts`.
 */
export { ACKNOWLEDGEMENTS } from './acknowledgements.js';
export { CollectorStack, type CollectorStackProps } from './collector-stack.js';
export { appSettingsFromContext, CONTEXT_KEY } from './context.js';
export * as defaults from './defaults.js';
export { HaystackCollector } from './haystack-collector.js';
export { MappingMetric, SpanMetric } from './metrics.js';
export type * from './props.js';
export { resolveSettings, type Settings, SettingsError } from './settings.js';
