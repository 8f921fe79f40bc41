import { endianness } from 'node:os';

/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of Kafka's record batches,
 * sixteen bytes per step ("slicing-by-16", read as four 32-bit words). kafkajs computes it a byte
 * at a time (2.3–2.9 ns per byte here, 9% of an invocation's CPU); this is the same function at
 * 0.6–0.8 ns per byte. Node.js has no native CRC-32C (`zlib.crc32` is the other polynomial).
 */

const POLYNOMIAL = 0x82f63b78;

/**
 * 16 tables of 256 entries, one after the other: entry `k * 256 + b` is the CRC of byte `b`
 * followed by `k` zero bytes, so table 0 is the classic byte-at-a-time table.
 */
const T = (() => {
  const t = new Int32Array(16 * 256);
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLYNOMIAL : c >>> 1;
    t[b] = c;
  }
  for (let i = 256; i < t.length; i++) {
    const c = t[i - 256] as number;
    t[i] = (c >>> 8) ^ (t[c & 0xff] as number);
  }
  return t;
})();

/** Words are read in the machine's byte order; the word path assumes little-endian (x86, Arm). */
const WORDS = endianness() === 'LE';

/** The CRC-32C of `bytes[start, end)`, unsigned. */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = -1;
  let i = start;
  // Bytes up to a 4-byte boundary of the underlying memory, so the rest can be read as words.
  while (i < end && ((bytes.byteOffset + i) & 3) !== 0) crc = step(crc, bytes[i++] as number);
  const blocks = WORDS ? (end - i) >>> 4 : 0;
  if (blocks > 0) {
    const w = new Int32Array(bytes.buffer, bytes.byteOffset + i, blocks * 4);
    for (let j = 0; j < w.length; j += 4) {
      const a = crc ^ (w[j] as number);
      const b = w[j + 1] as number;
      const c = w[j + 2] as number;
      const d = w[j + 3] as number;
      crc =
        (T[3840 + (a & 0xff)] as number) ^
        (T[3584 + ((a >>> 8) & 0xff)] as number) ^
        (T[3328 + ((a >>> 16) & 0xff)] as number) ^
        (T[3072 + (a >>> 24)] as number) ^
        (T[2816 + (b & 0xff)] as number) ^
        (T[2560 + ((b >>> 8) & 0xff)] as number) ^
        (T[2304 + ((b >>> 16) & 0xff)] as number) ^
        (T[2048 + (b >>> 24)] as number) ^
        (T[1792 + (c & 0xff)] as number) ^
        (T[1536 + ((c >>> 8) & 0xff)] as number) ^
        (T[1280 + ((c >>> 16) & 0xff)] as number) ^
        (T[1024 + (c >>> 24)] as number) ^
        (T[768 + (d & 0xff)] as number) ^
        (T[512 + ((d >>> 8) & 0xff)] as number) ^
        (T[256 + ((d >>> 16) & 0xff)] as number) ^
        (T[d >>> 24] as number);
    }
    i += blocks * 16;
  }
  for (; i < end; i++) crc = step(crc, bytes[i] as number);
  return (crc ^ -1) >>> 0;
}

function step(crc: number, byte: number): number {
  return (T[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
}
