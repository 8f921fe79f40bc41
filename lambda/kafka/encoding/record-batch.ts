import Encoder from 'kafkajs/src/protocol/encoder.js';
import {
  COMPRESSION_CODEC_MASK,
  lookupCodec,
  Types,
} from 'kafkajs/src/protocol/message/compression/index.js';
import Record from 'kafkajs/src/protocol/recordBatch/record/v0/index.js';
import { RecordBatch } from 'kafkajs/src/protocol/recordBatch/v0/index.js';
import Long from 'kafkajs/src/utils/long.js';
import { crc32c } from './crc32c.js';

/**
 * One partition's entry of a produce request (partition, size, `RecordBatch` v2 with its
 * records), written in one pass into one buffer: byte for byte what kafkajs 2.2.4's produce
 * request v3 (`partitionsEncoder` with `Record` and `RecordBatch`) writes for the same input.
 *
 * kafkajs builds every record in a zero-filled 512-byte buffer of its own, writes each varint
 * through a new array and buffer and each 64-bit varint through BigInt arithmetic, then copies
 * the records four times over (body, batch, bytes, partition) and computes the CRC a byte at a
 * time: most of an invocation's CPU. Here the sizes are computed first, then every byte is
 * written once, and the CRC is slicing-by-16 (crc32c.ts).
 *
 * Messages of the shapes kafkajs documents (key and value a Buffer, a string or null; headers
 * of strings or Buffers, or arrays of them; any timestamp) take this path. Any other partition
 * goes to kafkajs's own `Record` and `RecordBatch` as before, so even odd inputs encode (or fail)
 * exactly as kafkajs would.
 */

/** What kafkajs's produce request passes for one partition. */
export interface PartitionData {
  partition: unknown;
  messages: unknown;
  transactionalId: unknown;
  firstSequence?: unknown;
  producerId: unknown;
  producerEpoch: unknown;
}

interface PlainMessage {
  key?: Buffer | string | null;
  value?: Buffer | string | null;
  headers?: Record<string, Buffer | string | Array<Buffer | string>>;
  timestamp?: unknown;
}

const MAGIC_BYTE = 2;
const TRANSACTIONAL_MASK = 16;

// Offsets in a partition entry: partition, record batch size, then the batch: base offset,
// length, partition leader epoch, magic, CRC, and the body the CRC covers (attributes first).
const BATCH_SIZE_AT = 4;
const BASE_OFFSET_AT = 8;
const LENGTH_AT = 16;
const EPOCH_AT = 20;
const MAGIC_AT = 24;
const CRC_AT = 25;
const BODY_AT = 29;
/** Attributes, last offset delta, two timestamps, producer id and epoch, first sequence, count. */
const BODY_HEADER_BYTES = 40;

/** The partition's entry, as kafkajs's `partitionsEncoder` would encode it (`compression` after its defaults). */
export async function encodePartition(compression: unknown, data: PartitionData): Promise<Buffer> {
  const { messages } = data;
  if (!Array.isArray(messages) || !messages.every(isPlain))
    return kafkajsPartition(compression, data);
  const plain = messages as PlainMessage[];

  const dateNow = Date.now();
  const timestamps = messageTimestamps(plain);
  const firstTimestamp = timestamps.length === 0 ? dateNow : timestamps[0];
  const maxTimestamp = timestamps.length === 0 ? dateNow : timestamps[timestamps.length - 1];
  const delta = (m: PlainMessage) =>
    ((m.timestamp || dateNow) as number) - (firstTimestamp as number);

  // Sizes first: kafkajs's own size rules, so a record's length prefix is what kafkajs declares.
  const n = plain.length;
  const bodies = new Int32Array(n);
  let recordsBytes = 0;
  for (let i = 0; i < n; i++) {
    const m = plain[i] as PlainMessage;
    const body =
      1 +
      varlongSize(delta(m)) +
      varintSize(i) +
      bytesSize(m.key) +
      bytesSize(m.value) +
      headersSize(m.headers);
    bodies[i] = body;
    recordsBytes += varintSize(body) + body;
  }

  const none = compression === Types.None;
  const records = none ? undefined : Buffer.allocUnsafe(recordsBytes);
  let compressed: Buffer | undefined;
  if (records) {
    writeRecords(records, 0, plain, bodies, delta);
    compressed = await compress(compression, records);
  }

  const bodyBytes = BODY_HEADER_BYTES + (compressed ? compressed.length : recordsBytes);
  const entry = Buffer.allocUnsafe(BODY_AT + bodyBytes);
  entry.writeInt32BE(data.partition as number, 0);
  entry.writeInt32BE(BODY_AT - BASE_OFFSET_AT + bodyBytes, BATCH_SIZE_AT);
  writeInt64(entry, BASE_OFFSET_AT, Long.fromInt(0));
  entry.writeInt32BE(BODY_AT - EPOCH_AT + bodyBytes, LENGTH_AT);
  entry.writeInt32BE(0, EPOCH_AT);
  entry.writeInt8(MAGIC_BYTE, MAGIC_AT);

  const transactional = data.transactionalId ? TRANSACTIONAL_MASK : 0;
  let pos = BODY_AT;
  pos = entry.writeInt16BE(((compression as number) & COMPRESSION_CODEC_MASK) | transactional, pos);
  pos = entry.writeInt32BE(n - 1, pos);
  pos = writeInt64(entry, pos, firstTimestamp);
  pos = writeInt64(entry, pos, maxTimestamp);
  pos = writeInt64(entry, pos, orDefault(data.producerId, Long.fromValue(-1)));
  pos = entry.writeInt16BE(orDefault(data.producerEpoch, 0), pos);
  pos = entry.writeInt32BE(orDefault(data.firstSequence, 0), pos);
  pos = entry.writeInt32BE(n, pos);
  if (compressed) entry.set(compressed, pos);
  else writeRecords(entry, pos, plain, bodies, delta);

  entry.writeUInt32BE(crc32c(entry, BODY_AT, entry.length), CRC_AT);
  return entry;
}

/** A parameter default of kafkajs's `RecordBatch`: it applies to `undefined` only. */
function orDefault<T>(value: unknown, fallback: T): T {
  return (value === undefined ? fallback : value) as T;
}

/** `messages.map(m => m.timestamp).filter(t => t != null).sort()`, as kafkajs orders them (as text). */
function messageTimestamps(messages: readonly PlainMessage[]): unknown[] {
  const out: unknown[] = [];
  for (const m of messages) if (m.timestamp != null) out.push(m.timestamp);
  return out.length > 1 ? out.sort() : out;
}

function writeRecords(
  buf: Buffer,
  start: number,
  messages: readonly PlainMessage[],
  bodies: Int32Array,
  delta: (m: PlainMessage) => number,
): number {
  let pos = start;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i] as PlainMessage;
    pos = writeVarint(buf, pos, bodies[i] as number);
    buf[pos++] = 0; // attributes: none per record
    pos = writeVarlong(buf, pos, delta(m));
    pos = writeVarint(buf, pos, i);
    pos = writeBytes(buf, pos, m.key);
    pos = writeBytes(buf, pos, m.value);
    pos = writeHeaders(buf, pos, m.headers);
  }
  return pos;
}

/** kafkajs's `compressRecords`: the codec gets an Encoder holding the records. */
async function compress(compression: unknown, records: Buffer): Promise<Buffer> {
  const codec = lookupCodec(compression) as NonNullable<ReturnType<typeof lookupCodec>>;
  const encoder = new Encoder(0);
  encoder.buf = records;
  encoder.offset = records.length;
  const out = await codec.compress(encoder);
  // kafkajs's `writeBuffer` refuses anything else with this message.
  if (!Buffer.isBuffer(out)) throw new Error('value should be an instance of Buffer');
  return out;
}

function isPlain(message: unknown): boolean {
  if (typeof message !== 'object' || message === null) return false;
  if (Object.getPrototypeOf(message) !== Object.prototype) return false;
  const { key, value, headers } = message as Record<string, unknown>;
  return plainBytes(key) && plainBytes(value) && plainHeaders(headers);
}

function plainBytes(value: unknown): boolean {
  return (
    value === undefined || value === null || typeof value === 'string' || Buffer.isBuffer(value)
  );
}

function plainHeaders(headers: unknown): boolean {
  if (headers === undefined) return true;
  if (typeof headers !== 'object' || headers === null) return false;
  for (const value of Object.values(headers)) {
    if (!(Array.isArray(value) ? plainHeaderList(value) : plainHeaderValue(value))) return false;
  }
  return true;
}

/** Without holes: kafkajs's `flatMap` drops them, so they take kafkajs's own path. */
function plainHeaderList(values: readonly unknown[]): boolean {
  for (let i = 0; i < values.length; i++) {
    if (!(i in values) || !plainHeaderValue(values[i])) return false;
  }
  return true;
}

function plainHeaderValue(value: unknown): boolean {
  return typeof value === 'string' || Buffer.isBuffer(value);
}

/** kafkajs's `Encoder.sizeOfVarInt`: a zigzag varint of the value as a 32-bit integer. */
function varintSize(value: number): number {
  let v = (value << 1) ^ (value >> 31);
  let bytes = 1;
  while ((v & 0xffffff80) !== 0) {
    bytes++;
    v >>>= 7;
  }
  return bytes;
}

/** kafkajs's `Encoder.writeVarInt`. */
function writeVarint(buf: Buffer, start: number, value: number): number {
  let pos = start;
  let v = (value << 1) ^ (value >> 31);
  while ((v & 0xffffff80) !== 0) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v & 0x7f;
  return pos;
}

/**
 * A 64-bit zigzag varint's zigzag fits 31 bits for these: then it is the 32-bit one. Anything
 * else (large, fractional, BigInt, NaN) goes through kafkajs's own Long arithmetic.
 */
function smallInteger(value: unknown): value is number {
  return (
    typeof value === 'number' &&
    Number.isInteger(value) &&
    value >= -0x40000000 &&
    value < 0x40000000
  );
}

function varlongSize(value: unknown): number {
  return smallInteger(value) ? varintSize(value) : Encoder.sizeOfVarLong(value);
}

function writeVarlong(buf: Buffer, pos: number, value: unknown): number {
  if (smallInteger(value)) return writeVarint(buf, pos, value);
  const bytes = new Encoder().writeVarLong(value).buffer;
  buf.set(bytes, pos);
  return pos + bytes.length;
}

/** kafkajs's `Encoder.sizeOfVarIntBytes`. */
function bytesSize(value: Buffer | string | null | undefined): number {
  if (value === undefined || value === null) return 1;
  const n = typeof value === 'string' ? Buffer.byteLength(value) : value.length;
  return varintSize(n) + n;
}

/** kafkajs's `Encoder.writeVarIntBytes`. */
function writeBytes(buf: Buffer, start: number, value: Buffer | string | null | undefined): number {
  if (value === undefined || value === null) return writeVarint(buf, start, -1);
  if (typeof value === 'string') return writeString(buf, start, value);
  const pos = writeVarint(buf, start, value.length);
  buf.set(value, pos);
  return pos + value.length;
}

/** kafkajs's `Encoder.writeVarIntString` (a length, then UTF-8). */
function writeString(buf: Buffer, start: number, value: string): number {
  const n = Buffer.byteLength(value, 'utf8');
  const pos = writeVarint(buf, start, n);
  buf.write(value, pos, n, 'utf8');
  return pos + n;
}

/** kafkajs's `sizeOfHeaders` over `Record`'s header list (arrays give one header per item). */
function headersSize(headers: PlainMessage['headers']): number {
  if (headers === undefined) return 1;
  let count = 0;
  let bytes = 0;
  for (const key of Object.keys(headers)) {
    const keyBytes = Buffer.byteLength(key);
    const value = headers[key] as Buffer | string | Array<Buffer | string>;
    for (const item of Array.isArray(value) ? value : [value]) {
      const valueBytes = Buffer.byteLength(item);
      bytes += varintSize(keyBytes) + keyBytes + varintSize(valueBytes) + valueBytes;
      count++;
    }
  }
  return varintSize(count) + bytes;
}

function writeHeaders(buf: Buffer, start: number, headers: PlainMessage['headers']): number {
  if (headers === undefined) return writeVarint(buf, start, 0);
  let count = 0;
  for (const value of Object.values(headers)) count += Array.isArray(value) ? value.length : 1;
  let pos = writeVarint(buf, start, count);
  for (const key of Object.keys(headers)) {
    const value = headers[key] as Buffer | string | Array<Buffer | string>;
    for (const item of Array.isArray(value) ? value : [value]) {
      pos = writeString(buf, pos, key);
      pos = writeBytes(buf, pos, item);
    }
  }
  return pos;
}

/** kafkajs's `Encoder.writeInt64`. */
function writeInt64(buf: Buffer, pos: number, value: unknown): number {
  const long = Long.fromValue(value);
  buf.writeInt32BE(long.getHighBits(), pos);
  return buf.writeInt32BE(long.getLowBits(), pos + 4);
}

/** kafkajs's own encoding of a partition, for messages outside the fast path. */
async function kafkajsPartition(compression: unknown, data: PartitionData): Promise<Buffer> {
  const { partition, transactionalId, firstSequence, producerId, producerEpoch } = data;
  const messages = data.messages as Array<Record<string, unknown>>;
  const dateNow = Date.now();
  const messageTimestamps = messages
    .map((m) => m.timestamp)
    .filter((timestamp) => timestamp != null)
    .sort();
  const timestamps = messageTimestamps.length === 0 ? [dateNow] : messageTimestamps;
  const firstTimestamp = timestamps[0];
  const maxTimestamp = timestamps[timestamps.length - 1];
  const records = messages.map((message, i) =>
    Record({
      ...message,
      offsetDelta: i,
      timestampDelta: ((message.timestamp || dateNow) as number) - (firstTimestamp as number),
    }),
  );
  const batch = await RecordBatch({
    compression,
    records,
    firstTimestamp,
    maxTimestamp,
    producerId,
    producerEpoch,
    firstSequence,
    transactional: !!transactionalId,
    lastOffsetDelta: records.length - 1,
  });
  const entry = Buffer.allocUnsafe(8 + batch.size());
  entry.writeInt32BE(partition as number, 0);
  entry.writeInt32BE(batch.size(), 4);
  entry.set(batch.buffer, 8);
  return entry;
}
