import { createHash } from 'node:crypto';
import type { KinesisStreamRecord } from 'aws-lambda';
import { Writer } from 'protobufjs/minimal.js';
import { describe, expect, it } from 'vitest';
import { deaggregate, isKplAggregate } from '../../lambda/kpl.js';
import { decodeBase64, partitionKeyOf, readRecords } from '../../lambda/records.js';
import { AggregatedRecord } from '../../proto/kpl.generated.js';
import { encodeSpan, kinesisRecord, kplAggregate } from '../helpers/factories.js';

const MAGIC = Buffer.from([0xf3, 0x89, 0x9a, 0xc2]);

/** An aggregate framed by hand from protobuf bytes, with a correct or a given digest. */
function frame(body: Uint8Array, digest?: Buffer): Buffer {
  return Buffer.concat([MAGIC, body, digest ?? createHash('md5').update(body).digest()]);
}

describe('decodeBase64', () => {
  it.each(['', 'QQ==', 'QUI=', 'QUJD', Buffer.from(encodeSpan()).toString('base64')])(
    'decodes canonical %j',
    (text) => {
      expect(decodeBase64(text)?.toString('base64')).toBe(text);
    },
  );

  it.each(['QQ', 'QUJD!', 'QU*D', 'QUJD QUJD', '====', 'QQ==QUJD', 'not base64 at all!!'])(
    'refuses %j',
    (text) => {
      expect(decodeBase64(text)).toBeUndefined();
    },
  );
});

describe('KPL de-aggregation', () => {
  it('unpacks aggregates built by aws-kinesis-agg, byte for byte, as views', () => {
    const spans = [encodeSpan(), encodeSpan(), encodeSpan({ traceId: 'third' })];
    const aggregate = kplAggregate(spans);
    const out: Buffer[] = [];

    expect(isKplAggregate(aggregate)).toBe(true);
    expect(deaggregate(aggregate, out)).toBeUndefined();
    expect(out).toEqual(spans);
    expect(out[0]?.buffer).toBe(aggregate.buffer);
  });

  it('unpacks an aggregate with no records to nothing', () => {
    const out: Buffer[] = [];

    expect(deaggregate(frame(new Uint8Array(0)), out)).toBeUndefined();
    expect(out).toEqual([]);
  });

  it('refuses an aggregate whose MD5 does not match', () => {
    const aggregate = kplAggregate([encodeSpan()]);
    aggregate[10] = (aggregate[10] as number) ^ 0xff;
    const out: Buffer[] = [];

    expect(deaggregate(aggregate, out)).toBe('kpl-checksum-mismatch');
    expect(out).toEqual([]);
  });

  it('keeps an empty data field but refuses a record without one, appending nothing of it', () => {
    const body = AggregatedRecord.encode({
      partitionKeyTable: ['a'],
      records: [
        { partitionKeyIndex: 0, data: encodeSpan() },
        { partitionKeyIndex: 0, data: new Uint8Array(0) },
      ],
    }).finish();
    // A Record with only partition_key_index (field 1): its required data (field 3) is absent.
    const withoutData = new Writer()
      .uint32((1 << 3) | 2)
      .string('a')
      .uint32((3 << 3) | 2)
      .fork()
      .uint32((1 << 3) | 0)
      .uint32(0)
      .ldelim()
      .finish();
    const out: Buffer[] = [];

    expect(deaggregate(frame(body), out)).toBeUndefined();
    expect(out).toHaveLength(2);
    out.length = 0;
    expect(deaggregate(frame(withoutData), out)).toBe('kpl-malformed');
    expect(out).toEqual([]);
  });

  it('refuses truncated envelope protobuf even with a matching digest', () => {
    const body = AggregatedRecord.encode({
      partitionKeyTable: ['a'],
      records: [{ partitionKeyIndex: 0, data: encodeSpan() }],
    }).finish();

    expect(deaggregate(frame(body.subarray(0, body.length - 5)), [])).toBe('kpl-malformed');
  });

  it('treats bytes shorter than magic plus digest as a plain record', () => {
    expect(isKplAggregate(Buffer.concat([MAGIC, Buffer.alloc(15)]))).toBe(false);
    expect(isKplAggregate(encodeSpan())).toBe(false);
  });
});

describe('partitionKeyOf', () => {
  it("takes a KPL sub-record's key from the aggregate's table, the record's when the index is out of range", () => {
    const aggregate = frame(
      AggregatedRecord.encode({
        partitionKeyTable: ['trace-1', 'trace-2'],
        records: [
          { partitionKeyIndex: 1, data: encodeSpan() },
          { partitionKeyIndex: 7, data: encodeSpan() },
        ],
      }).finish(),
    );
    const record = kinesisRecord(aggregate, { partitionKey: 'a' });

    const [first, second] = readRecords([record]).userRecords;

    expect(first && partitionKeyOf(first, record)).toBe('trace-2');
    expect(second && partitionKeyOf(second, record)).toBe('a');
    expect(partitionKeyOf({}, record)).toBe('a');
  });

  it('refuses an aggregate that holds no user records as no-spans, so it is accounted for', () => {
    const { userRecords, rejected } = readRecords([kinesisRecord(kplAggregate([]))]);

    expect(userRecords).toEqual([]);
    expect(rejected.map((r) => r.reason)).toEqual(['no-spans']);
  });
});

describe('readRecords', () => {
  it('yields plain records and sub-records with their positions', () => {
    const plain = encodeSpan();
    const subs = [encodeSpan(), encodeSpan()];
    const records = [
      kinesisRecord(plain, { position: 0 }),
      kinesisRecord(kplAggregate(subs), { position: 1 }),
    ];

    const { userRecords, rejected } = readRecords(records);

    expect(rejected).toEqual([]);
    const aggregate = Buffer.from(records[1]?.kinesis.data ?? '', 'base64');
    expect(userRecords).toEqual([
      { recordIndex: 0, subIndex: 0, data: plain },
      { recordIndex: 1, subIndex: 0, data: subs[0], aggregate, keyIndex: 0 },
      { recordIndex: 1, subIndex: 1, data: subs[1], aggregate, keyIndex: 1 },
    ]);
  });

  it('accounts for every unreadable record with a reason and whatever bytes it had', () => {
    const good = kinesisRecord(encodeSpan(), { position: 0 });
    const badBase64 = kinesisRecord(encodeSpan(), { position: 1 });
    badBase64.kinesis.data = '%%%not-base64%%%';
    const noData = kinesisRecord(encodeSpan(), { position: 2 }) as unknown as {
      kinesis: Record<string, unknown>;
    };
    delete noData.kinesis.data;
    const noSequence = kinesisRecord(encodeSpan(), { position: 3 }) as unknown as {
      kinesis: Record<string, unknown>;
    };
    delete noSequence.kinesis.sequenceNumber;
    const corrupted = kplAggregate([encodeSpan()]);
    corrupted[corrupted.length - 1] = (corrupted[corrupted.length - 1] as number) ^ 1;
    const records = [
      good,
      badBase64,
      noData,
      noSequence,
      kinesisRecord(corrupted, { position: 4 }),
      null,
      {},
    ] as unknown as KinesisStreamRecord[];

    const { userRecords, rejected } = readRecords(records);

    expect(userRecords.map((r) => r.recordIndex)).toEqual([0]);
    expect(rejected.map(({ recordIndex, reason }) => [recordIndex, reason])).toEqual([
      [1, 'bad-base64'],
      [2, 'malformed-event'],
      [3, 'malformed-event'],
      [4, 'kpl-checksum-mismatch'],
      [5, 'malformed-event'],
      [6, 'malformed-event'],
    ]);
    expect(rejected[0]?.data.toString()).toBe('%%%not-base64%%%');
    expect(rejected[3]?.data).toEqual(corrupted);
  });
});
