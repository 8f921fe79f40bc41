/**
 * The event source mapping settings the local engine honours, with Lambda's defaults and
 * limits. Values outside Lambda's ranges throw: a local run must not accept a mapping that AWS
 * would refuse, or it would prove something about a configuration nobody can deploy.
 */
export interface MappingOptions {
  /** Records per invocation, 1–10,000 (Lambda's default 100). */
  batchSize?: number;
  /** How long to gather records before invoking, 0–300,000 ms (Lambda: 0–300 s, default 0). */
  maxBatchingWindowMs?: number;
  /** On a thrown error, time-out or whole-batch failure, split the batch in two and retry each half. */
  bisectBatchOnError?: boolean;
  /** Retries of a failing batch before it goes to the on-failure destination; -1 (default) = forever. */
  maxRetryAttempts?: number;
  /** Records older than this (by arrival) are discarded to the on-failure destination; -1 (default) = never. */
  maxRecordAgeSeconds?: number;
  /** `FunctionResponseTypes: [ReportBatchItemFailures]`; on by default, as the collector needs it. */
  reportBatchItemFailures?: boolean;
  /** Function timeout: `getRemainingTimeInMillis` counts down from it; past it the invocation failed. */
  functionTimeoutMs?: number;
  /** Invocation payload cap (Lambda: 6 MB for a synchronous invoke); lower only in tests. */
  maxPayloadBytes?: number;
  /** Wait between reads of a shard that had nothing new (Lambda polls each shard about once a second). */
  pollIntervalMs?: number;
  /** Wait before re-delivering after a failure (Lambda backs off briefly; 0 keeps tests fast). */
  retryDelayMs?: number;
  /** Return once the shard has nothing more to read (default); false keeps polling until aborted. */
  stopWhenCaughtUp?: boolean;
}

/** {@link MappingOptions} with every default filled in. */
export type MappingSettings = Required<MappingOptions>;

/** 6 MB, the synchronous invocation payload limit (6 × 1024 × 1024 bytes of event JSON). */
export const LAMBDA_PAYLOAD_LIMIT = 6 * 1024 * 1024;

const DEFAULTS: MappingSettings = {
  batchSize: 100,
  maxBatchingWindowMs: 0,
  bisectBatchOnError: false,
  maxRetryAttempts: -1,
  maxRecordAgeSeconds: -1,
  reportBatchItemFailures: true,
  functionTimeoutMs: 60_000,
  maxPayloadBytes: LAMBDA_PAYLOAD_LIMIT,
  pollIntervalMs: 1_000,
  retryDelayMs: 0,
  stopWhenCaughtUp: true,
};

/** Fills in defaults and checks every value against Lambda's limits; throws a RangeError naming each bad one. */
export function mappingSettings(options: MappingOptions = {}): MappingSettings {
  const defined = Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  );
  const s: MappingSettings = { ...DEFAULTS, ...defined };
  const problems = [
    range('batchSize', s.batchSize, 1, 10_000),
    range('maxBatchingWindowMs', s.maxBatchingWindowMs, 0, 300_000),
    s.maxRetryAttempts === -1
      ? undefined
      : range('maxRetryAttempts', s.maxRetryAttempts, 0, 10_000),
    s.maxRecordAgeSeconds === -1
      ? undefined
      : range('maxRecordAgeSeconds', s.maxRecordAgeSeconds, 60, 604_800),
    range('functionTimeoutMs', s.functionTimeoutMs, 1, 900_000),
    range('maxPayloadBytes', s.maxPayloadBytes, 1, LAMBDA_PAYLOAD_LIMIT),
    range('pollIntervalMs', s.pollIntervalMs, 0, 60_000),
    range('retryDelayMs', s.retryDelayMs, 0, 60_000),
  ].filter((p): p is string => p !== undefined);
  if (problems.length > 0) throw new RangeError(`Invalid mapping settings: ${problems.join('; ')}`);
  return s;
}

function range(name: string, value: number, min: number, max: number): string | undefined {
  if (Number.isInteger(value) && value >= min && value <= max) return undefined;
  const special = name === 'maxRetryAttempts' || name === 'maxRecordAgeSeconds' ? ' or -1' : '';
  return `${name} = ${value}: expected an integer ${min}–${max}${special}`;
}
