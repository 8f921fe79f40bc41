import { describe, expect, it } from 'vitest';
import { parseFailureRecord, UnreadableRecord } from '../../replay/failure-record.js';
import { keyParts } from '../../replay/object-key.js';
import { encodeSpan, kinesisEvent } from '../helpers/factories.js';
import { failureRecord, failureRecordKey } from '../helpers/failure-records.js';

const event = kinesisEvent([encodeSpan(), encodeSpan(), encodeSpan()], 7);

describe('a failure record as Lambda writes it to S3', () => {
  it('reads the batch info, why it was given up, and the event, keeping the payload byte for byte', () => {
    const { key, body } = failureRecord(event, {
      condition: 'RecordAgeExceeded',
      approximateInvokeCount: 12,
    });

    const record = parseFailureRecord(key, body);

    expect(record).toMatchObject({
      key,
      condition: 'RecordAgeExceeded',
      approximateInvokeCount: 12,
      functionError: 'Unhandled',
      batch: {
        shardId: 'shardId-000000000000',
        startSequenceNumber: event.Records[0]?.kinesis.sequenceNumber,
        endSequenceNumber: event.Records[2]?.kinesis.sequenceNumber,
        batchSize: 3,
        streamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/haystack-proto-spans',
      },
      warnings: [],
    });
    expect(record.payload).toBe(JSON.stringify(event));
    expect(record.records).toEqual(event.Records);
  });

  it('also reads a payload written as an object, as LocalStack writes it', () => {
    const { key, body } = failureRecord(event);
    const document = JSON.parse(body) as { payload: string };

    const record = parseFailureRecord(
      key,
      JSON.stringify({ ...document, payload: JSON.parse(document.payload) }),
    );

    expect(record.records).toEqual(event.Records);
  });

  it('warns, without refusing, when the payload and the batch info disagree', () => {
    const { key, body } = failureRecord(event);
    const document = JSON.parse(body) as { KinesisBatchInfo: Record<string, unknown> };
    document.KinesisBatchInfo.batchSize = 5;

    expect(parseFailureRecord(key, JSON.stringify(document)).warnings).toEqual([
      'KinesisBatchInfo.batchSize is 5 but the payload holds 3 records',
    ]);
  });

  const valid = JSON.parse(failureRecord(event).body) as Record<string, unknown>;
  it.each([
    ['{"half', 'not JSON'],
    ['[]', 'not a JSON object'],
    [JSON.stringify({ DDBStreamBatchInfo: {} }), 'a DynamoDB Streams failure record'],
    [JSON.stringify({ ...valid, KinesisBatchInfo: undefined }), 'no KinesisBatchInfo'],
    [JSON.stringify({ ...valid, payload: undefined }), 'no payload: a metadata-only record'],
    [JSON.stringify({ ...valid, payload: '{"Records":' }), 'payload is not the JSON of an event'],
    [JSON.stringify({ ...valid, payload: '{"Records":[]}' }), 'payload holds no Records'],
    [
      JSON.stringify({ ...valid, payload: '{"Records":[{"dynamodb":{}}]}' }),
      'payload record 0 is not a Kinesis record',
    ],
    [
      JSON.stringify({
        ...valid,
        KinesisBatchInfo: { ...(valid.KinesisBatchInfo as object), shardId: 3 },
      }),
      'KinesisBatchInfo.shardId is missing or not a string',
    ],
  ])('refuses %s as unreadable, saying why', (body, reason) => {
    const read = () => parseFailureRecord('aws/lambda/x', body);

    expect(read).toThrow(UnreadableRecord);
    expect(read).toThrow(`aws/lambda/x: cannot be replayed: ${reason}`);
  });
});

describe("Lambda's failure record keys", () => {
  it('give the mapping, the shard and when the record was written', () => {
    const at = new Date('2026-08-20T01:02:03.456Z');

    expect(keyParts(failureRecordKey('uuid-1', 'shardId-000000000004', at))).toEqual({
      mappingUuid: 'uuid-1',
      shardId: 'shardId-000000000004',
      writtenAt: new Date('2026-08-20T01:02:03Z'),
    });
  });

  it.each(['other/key', 'aws/lambda/uuid/shard/2026/08/20/garbage'])(
    'tell nothing for any other key (%s)',
    (key) => {
      expect(keyParts(key)).toBeUndefined();
    },
  );
});
