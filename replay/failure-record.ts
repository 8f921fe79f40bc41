import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';

/**
 * One failure record, as Lambda writes it to an S3 on-failure destination for a Kinesis event
 * source mapping (AWS Lambda Developer Guide, "Retain discarded batch records for a Kinesis Data
 * Streams event source in Lambda", "Example Amazon S3 invocation record"): the metadata an SQS
 * destination also gets (`requestContext`, `responseContext`, `version`, `timestamp`,
 * `KinesisBatchInfo`) plus `payload`, "the original invocation record as an escaped JSON
 * string": the event the function was invoked with, `{"Records":[…]}`.
 */
export interface FailureRecord {
  /** The object's key in the bucket. */
  readonly key: string;
  /** Why the batch was given up: `RetryAttemptsExhausted`, `RecordAgeExceeded`, … */
  readonly condition: string;
  readonly approximateInvokeCount: number | undefined;
  /** The function's last error type, when it had one (`Unhandled`). */
  readonly functionError: string | undefined;
  readonly functionArn: string | undefined;
  /** When Lambda gave it up (ISO 8601). */
  readonly timestamp: string | undefined;
  readonly batch: KinesisBatchInfo;
  /** The event exactly as Lambda wrote it: what a replay sends to the function, byte for byte. */
  readonly payload: string;
  readonly records: readonly KinesisStreamRecord[];
  /** Where the record disagrees with itself; shown, never fatal (the payload is all there is). */
  readonly warnings: readonly string[];
}

/** `KinesisBatchInfo`: "all of the fields … will always be present" (same guide). */
export interface KinesisBatchInfo {
  readonly shardId: string;
  readonly startSequenceNumber: string;
  readonly endSequenceNumber: string;
  readonly approximateArrivalOfFirstRecord: string;
  readonly approximateArrivalOfLastRecord: string;
  readonly batchSize: number;
  readonly streamArn: string;
}

/**
 * A failure record that cannot be replayed as it is: not JSON, not a Kinesis failure record,
 * or without its records. Reading it again cannot help; the message says what is wrong.
 */
export class UnreadableRecord extends Error {
  readonly retriable = false;

  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`${key}: cannot be replayed: ${reason}`);
    this.name = 'UnreadableRecord';
  }
}

/** Parses the body of a failure record object; throws {@link UnreadableRecord}. */
export function parseFailureRecord(key: string, body: string): FailureRecord {
  const fail = (reason: string): never => {
    throw new UnreadableRecord(key, reason);
  };
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch (error) {
    return fail(`not JSON (${(error as Error).message})`);
  }
  if (!isObject(document)) return fail('not a JSON object');
  if (isObject(document.DDBStreamBatchInfo)) {
    return fail('a DynamoDB Streams failure record (DDBStreamBatchInfo), not a Kinesis one');
  }
  const info = document.KinesisBatchInfo;
  if (!isObject(info)) return fail('no KinesisBatchInfo: not a Kinesis failure record');
  const batch = readBatchInfo(info, fail);
  const payload = readPayload(document.payload, batch, fail);
  const records = readRecords(payload, fail);

  const warnings: string[] = [];
  if (records.length !== batch.batchSize) {
    warnings.push(
      `KinesisBatchInfo.batchSize is ${batch.batchSize} but the payload holds ${records.length} records`,
    );
  }
  const first = records[0]?.kinesis.sequenceNumber;
  const last = records.at(-1)?.kinesis.sequenceNumber;
  if (first !== batch.startSequenceNumber || last !== batch.endSequenceNumber) {
    warnings.push(
      `the payload's records run from ${first} to ${last}, KinesisBatchInfo says ${batch.startSequenceNumber} to ${batch.endSequenceNumber}`,
    );
  }
  const foreign = records.filter((r) => r.eventSourceARN !== batch.streamArn).length;
  if (foreign > 0) warnings.push(`${foreign} records name another stream than ${batch.streamArn}`);

  const request = isObject(document.requestContext) ? document.requestContext : {};
  const response = isObject(document.responseContext) ? document.responseContext : {};
  return {
    key,
    condition: typeof request.condition === 'string' ? request.condition : 'unknown',
    approximateInvokeCount:
      typeof request.approximateInvokeCount === 'number'
        ? request.approximateInvokeCount
        : undefined,
    functionError: typeof response.functionError === 'string' ? response.functionError : undefined,
    functionArn: typeof request.functionArn === 'string' ? request.functionArn : undefined,
    timestamp: typeof document.timestamp === 'string' ? document.timestamp : undefined,
    batch,
    payload: payload.text,
    records,
    warnings,
  };
}

function readBatchInfo(
  info: Record<string, unknown>,
  fail: (reason: string) => never,
): KinesisBatchInfo {
  const text = (name: string): string => {
    const value = info[name];
    return typeof value === 'string' && value !== ''
      ? value
      : fail(`KinesisBatchInfo.${name} is missing or not a string`);
  };
  const batchSize = info.batchSize;
  if (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize < 1) {
    fail('KinesisBatchInfo.batchSize is missing or not a positive whole number');
  }
  return {
    shardId: text('shardId'),
    startSequenceNumber: text('startSequenceNumber'),
    endSequenceNumber: text('endSequenceNumber'),
    approximateArrivalOfFirstRecord: text('approximateArrivalOfFirstRecord'),
    approximateArrivalOfLastRecord: text('approximateArrivalOfLastRecord'),
    batchSize: batchSize as number,
    streamArn: text('streamArn'),
  };
}

/**
 * The payload as text. Lambda writes it as a JSON string; an emulator that writes the event as
 * an object (LocalStack does) is read too, re-serialized.
 */
function readPayload(
  payload: unknown,
  batch: KinesisBatchInfo,
  fail: (reason: string) => never,
): { text: string; event: unknown } {
  if (payload === undefined || payload === null) {
    return fail(
      `no payload: a metadata-only record (the SQS/SNS shape); re-read ${batch.shardId} of ${batch.streamArn} from ${batch.startSequenceNumber} to ${batch.endSequenceNumber} from the stream instead`,
    );
  }
  if (typeof payload === 'string') {
    try {
      return { text: payload, event: JSON.parse(payload) };
    } catch (error) {
      return fail(`payload is not the JSON of an event (${(error as Error).message})`);
    }
  }
  if (isObject(payload)) return { text: JSON.stringify(payload), event: payload };
  return fail(`payload is a ${typeof payload}, not the event`);
}

function readRecords(
  payload: { event: unknown },
  fail: (reason: string) => never,
): KinesisStreamRecord[] {
  const records = isObject(payload.event)
    ? (payload.event as Partial<KinesisStreamEvent>).Records
    : undefined;
  if (!Array.isArray(records) || records.length === 0) {
    return fail('payload holds no Records');
  }
  records.forEach((record: unknown, i) => {
    const kinesis = isObject(record) ? record.kinesis : undefined;
    if (
      !isObject(kinesis) ||
      typeof kinesis.data !== 'string' ||
      typeof kinesis.sequenceNumber !== 'string'
    ) {
      fail(`payload record ${i} is not a Kinesis record (kinesis.data, kinesis.sequenceNumber)`);
    }
  });
  return records as KinesisStreamRecord[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
