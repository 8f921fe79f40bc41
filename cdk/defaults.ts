/**
 * Every default of the deployment, each with the reason it was chosen. The props types in
 * `props.ts` point here; the CDK assertion tests check that the synthesized template uses them.
 */

/** Stack name when the context gives none; the template is `cdk.out/<name>.template.json`. */
export const STACK_NAME = 'HaystackKinesisCollector';

/**
 * Logical ID of the function in the template, fixed so that `sam local invoke <id>`, the
 * `--env-vars` file (`{"CollectorFunction": {...}}`) and `npm run invoke` never change when
 * constructs move.
 */
export const FUNCTION_LOGICAL_ID = 'CollectorFunction';

export const KAFKA = {
  /** The original Haystack collector's topic: downstream Haystack services read it. */
  topic: 'proto-spans',
  /** Where spans that Kafka refuses for good go (KAFKA_DLQ_TOPIC); `none` turns it off. */
  deadLetterTopic: 'proto-spans-dlq',
} as const;

export const FUNCTION = {
  /**
   * 1024 MB: Lambda gives CPU in proportion to memory (1769 MB = 1 vCPU). A 6 MB batch is
   * base64-decoded, de-aggregated, scanned and, with compression on, compressed; TLS and SASL
   * handshakes at cold start are CPU-bound too. At 1024 MB that stays well under the timeout.
   */
  memoryMb: 1024,
  /**
   * 60 s: a cold start connects to every broker (TLS + IAM or SCRAM) before it produces a full
   * batch; the handler keeps `DEADLINE_MARGIN_MS` back and reports unacknowledged records as
   * failed instead of being killed, so a longer timeout only delays the retry.
   */
  timeoutSeconds: 60,
  /**
   * 30 days: long enough to investigate an incident after a holiday week, short enough not to
   * hoard logs. Logs carry counts and examples of refused records, never whole spans.
   */
  logRetentionDays: 30,
  /** INFO: one line per problem, nothing per span (see lambda/telemetry.ts). */
  logLevel: 'INFO',
} as const;

export const MAPPING = {
  /**
   * 500 records: the cost of an invocation is one Kafka round trip, so bigger batches mean
   * fewer of them. Lambda caps the payload at 6 MB whatever this says (KPL aggregates count by
   * their size), and 500 spans of 1-2 KB stay far below it.
   */
  batchSize: 500,
  /**
   * 1 s: under light traffic a batch fills for up to one second instead of invoking per record;
   * traces are not latency-critical, and one second is invisible in Haystack's UI.
   */
  maxBatchingWindowSeconds: 1,
  /**
   * 1 invocation per shard: keyed partitioning happens in Kafka, so more would only help when
   * one shard outpaces one function. Raise it (up to 10) when IteratorAge grows; every extra
   * container opens its own connections (MSK IAM brokers accept ~20 new ones per second).
   */
  parallelizationFactor: 1,
  /**
   * TRIM_HORIZON: the collector must not lose spans, so a new mapping starts from the oldest
   * record the stream holds. Delivery is at-least-once anyway, so a replay only duplicates.
   */
  startingPosition: 'TRIM_HORIZON',
  /**
   * On: a thrown error, time-out or out-of-memory fails the whole batch; splitting it isolates
   * the record that causes it instead of retrying the same batch as a whole. Produce failures
   * are reported per record (ReportBatchItemFailures) and need no bisection.
   */
  bisectBatchOnError: true,
  /**
   * 6 hours: the bound that normally trips. A record that cannot reach Kafka for 6 hours is
   * given up: its whole batch goes to the on-failure bucket (with the SQS option, only its shard
   * and sequence range, leaving 18 hours of the default 24-hour retention to re-read it). Long
   * enough to ride out a broker outage or an MSK maintenance window; short enough that a stuck
   * shard does not stay stuck for a day.
   */
  maxRecordAgeSeconds: 6 * 60 * 60,
  /**
   * 1000 attempts: a failing attempt lasts 3-30 s (kafkajs connects and retries with back-off,
   * bounded by the deadline), so 1000 of them last 1-8 hours and the record age above usually
   * decides. The count still stops a crash-looping batch from retrying forever if the age is
   * ever set to -1.
   */
  retryAttempts: 1000,
  /**
   * Shared throughput (off): enhanced fan-out costs per consumer-shard hour and per GB; turn
   * it on when other consumers read the same stream and the 2 MB/s per shard read limit is shared.
   */
  enhancedFanOut: false,
} as const;

export const STREAM = {
  /** On demand: no shard planning; capacity follows span volume. Give `shardCount` to provision. */
  shardCount: undefined,
  /**
   * 24 hours, Kinesis' cheapest retention: more than 4x the 6-hour maximum record age, so with
   * the SQS on-failure option a batch given up on can still be re-read by its shard and sequence numbers.
   */
  retentionHours: 24,
  /**
   * The AWS-managed key `aws/kinesis`: encrypted at rest at no key cost, and what cdk-nag's
   * KDS3 asks for. A customer-managed key (rotated yearly) is one flag away when compliance asks for it.
   */
  customerManagedKey: false,
} as const;

export const ON_FAILURE = {
  /**
   * S3: Lambda writes the whole invocation (every record's data, base64) with the reason it was
   * given up, so nothing depends on the stream's retention any more; `npm run replay` re-drives
   * it through the function. SQS receives only the shard and sequence range, and the records are
   * lost once the stream's retention passes.
   */
  destination: 's3',
  /**
   * 30 days: as long as the function's logs are kept (`function.logRetentionDays`), so the logs
   * that say why a batch failed exist as long as the batch; long enough to replay after a holiday
   * week. Each object is one batch, at most 6 MB.
   */
  expiryDays: 30,
  /**
   * 7 days: the bucket is versioned, so a failure record deleted by `npm run replay` (or by
   * mistake) stays recoverable as a noncurrent version for a week before it is removed for good.
   */
  noncurrentVersionExpiryDays: 7,
  /**
   * 90 days of server access logs (who read, replayed or deleted which failure record): the
   * audit trail of the spans' data outlives the data itself.
   */
  accessLogExpiryDays: 90,
  /**
   * Lambda writes failure records under `aws/lambda/<mapping UUID>/<shard>/YYYY/MM/DD/…` (AWS
   * Lambda Developer Guide, "Retain discarded batch records for a Kinesis Data Streams event
   * source"); the function's role may write there and nowhere else in the bucket.
   */
  keyPrefix: 'aws/lambda/',
} as const;

/**
 * The mapping's own metrics (`MetricsConfig` `EventCount`): always on. They are the only
 * record of events the mapping polled, invoked, failed to invoke, dropped or sent to the
 * on-failure destination (Lambda's `IteratorAge` and `Errors` cannot tell a dropped batch from
 * a delivered one). They cost as standard CloudWatch metrics, a handful per mapping.
 */
export const MAPPING_METRICS = ['EventCount'] as const;

export const ON_FAILURE_QUEUE = {
  /**
   * 14 days, SQS's maximum: the queue holds only metadata (shard, sequence range) of batches
   * given up on; an operator needs it until the range is re-read, within the stream's retention.
   */
  retentionDays: 14,
} as const;

export const TELEMETRY = {
  /** EMF namespace, as lambda/telemetry.ts defaults (`POWERTOOLS_METRICS_NAMESPACE`). */
  metricsNamespace: 'Haystack',
  /** Value of the `service` dimension on every metric (`POWERTOOLS_SERVICE_NAME`). */
  serviceName: 'haystack-kinesis-collector',
} as const;

export const ALARMS = {
  /**
   * 10 minutes of iterator age (5 one-minute periods in a row): spans arrive late in Haystack.
   * Far below the 6-hour maximum record age, so there are hours to act before data is given up.
   */
  iteratorAgeMs: 10 * 60 * 1000,
  /**
   * Any error in 5 minutes: the handler answers produce failures per record, so a function
   * error is a crash, time-out or out-of-memory, never routine.
   */
  errors: 1,
  /** Any throttle in 5 minutes: a throttled shard does not advance (reserved or account concurrency too low). */
  throttles: 1,
  /**
   * Any message on the on-failure queue: a batch was given up on, and its range must be re-read
   * before the stream's retention ends.
   */
  onFailureMessages: 1,
  /**
   * Any invalid span in 5 minutes: each one is dropped for good (never retried). A correct
   * client never sends one; raise the threshold if a known client is noisy.
   */
  invalidSpans: 1,
  /** Any record written to the dead-letter topic in 5 minutes: it was refused for good and kept there. */
  deadLetteredSpans: 1,
  /**
   * Unacknowledged spans in 3 five-minute periods in a row: a short broker blip heals through
   * Lambda's re-delivery; 15 minutes of it means Kafka is unreachable or refusing writes.
   */
  produceFailures: 1,
  produceFailurePeriods: 3,
  /**
   * Only with routes: unacknowledged route messages in 3 five-minute periods in a row, as for
   * produce failures. Their records come back and their main-topic spans are produced again, so
   * a route that stays down holds its shards back; a short blip on its cluster heals by re-delivery.
   */
  routeFailures: 1,
  routeFailurePeriods: 3,
  /**
   * Any event dropped in 5 minutes (`DroppedEventCount`): the mapping gave up on it and could
   * not deliver it to the on-failure destination either, so it is lost unless it is still in
   * the stream. Never routine.
   */
  droppedEvents: 1,
  /**
   * Any event sent to the on-failure destination in 5 minutes
   * (`OnFailureDestinationDeliveredEventCount`): a batch was given up on and must be replayed
   * (`npm run replay`). It fires once per delivery, unlike a queue's depth, so act on the page.
   */
  onFailureEvents: 1,
} as const;

/**
 * Input and output formats. These are the function's own defaults (lambda/config-formats.ts),
 * stated here for review: the stack writes `INPUT_FORMAT`, `OUTPUT_FORMAT` and
 * `MAX_DECOMPRESSED_BYTES` only when a setting is given, so the function applies these itself
 * and the two cannot drift apart unnoticed (a test holds them equal).
 */
export const FORMATS = {
  /** `haystack-span`: one serialized Haystack span per record, what the original collector read. */
  input: 'haystack-span',
  /** `proto`: the span's bytes, what the downstream Haystack services read from `proto-spans`. */
  output: 'proto',
  /**
   * 10 MiB, a Kinesis record's own maximum: a legitimate compressed record inflates to about
   * what its producer put in, while a small "zip bomb" would otherwise exhaust the function's memory.
   */
  maxDecompressedBytes: 10 * 1024 * 1024,
} as const;

/**
 * The original collector's span size guard, with its defaults (haystack-collector `base.conf`),
 * which the function applies when a `SIZE_GUARD_*` variable is unset. The stack writes only the
 * variables whose setting is given.
 */
export const SIZE_GUARD = {
  /** Off: spans are produced whole, as the original did unless `max.size.enable` was set. */
  enable: false,
  /** Off: when on, oversized spans have their tags truncated, which is the guard's purpose. */
  logOnly: false,
  /** 5000 bytes: the original's `max.size.limit`, so migrated deployments truncate the same spans. */
  maxBytes: 5000,
  /** `error`: the original's default; a truncated span keeps the one tag that marks it failed. */
  skipTags: ['error'],
  /** None: no service is exempt unless named. */
  skipServices: [],
  /** The original's key and message, so dashboards and searches built on them keep working. */
  infoTagKey: 'X-HAYSTACK-SPAN-INFO',
  infoTagValue:
    'Tags are truncated. REASON: Span Size Limit Exceeded. Please contact Haystack for more details',
} as const;

export const DECORATORS = {
  /**
   * None: every tag added is stored with every span downstream; the function adds none unless
   * a deployer names them (`ADDITIONAL_TAGS`).
   */
  additionalTags: {},
  /** None: every route is an extra copy of spans on another topic, written only on request (`ROUTES`). */
  routes: [],
  /**
   * At most 16 routes, the function's own maximum: each route on another cluster holds a warm
   * producer (with its connections) of its own, and each route adds a topic ARN to the policy.
   */
  maxRoutes: 16,
} as const;

/**
 * Lambda refuses a function whose environment exceeds 4 KB in total. AWS does not say how it
 * counts, so the synth counts the UTF-8 bytes of the variables as JSON (names, values, quotes
 * and separators), which can only over-count: a template that passes deploys.
 */
export const ENVIRONMENT_LIMIT_BYTES = 4096;
