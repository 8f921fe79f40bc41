import { util } from 'protobufjs/minimal.js';
import type { ISpan } from '../../proto/haystack.generated.js';

/**
 * 64-bit integers between JSON text, `bigint` and protobufjs' `Long` (`{ low, high }`), exact
 * over the whole range: timestamps in nanoseconds and Java `long` tag values exceed 2^53.
 */

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** long.js' `Long`, the type the generated code declares for int64 fields. */
export type Long = Exclude<NonNullable<ISpan['startTime']>, number>;

/** A signed 64-bit value as protobufjs encodes it. */
export function toLong(value: bigint): Long {
  const bits = BigInt.asUintN(64, value);
  // protobufjs ships long.js and exposes its class as util.Long.
  return new util.Long(Number(bits & 0xffffffffn) | 0, Number(bits >> 32n) | 0, false) as Long;
}

/** A decoded `Long` (or a plain number, for values protobufjs read without long.js) as a bigint. */
export function fromLong(value: Long | number, unsigned = false): bigint {
  if (typeof value === 'number') return BigInt(value);
  const bits = (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
  return unsigned ? bits : BigInt.asIntN(64, bits);
}

/** Decimal integer text (optionally signed) to a bigint in the int64 range, else undefined. */
export function parseInt64(text: string): bigint | undefined {
  if (!/^-?\d{1,20}$/.test(text)) return undefined;
  const value = BigInt(text);
  return value >= INT64_MIN && value <= INT64_MAX ? value : undefined;
}

/** Decimal integer text to a bigint in the uint64 range, else undefined. */
export function parseUint64(text: string): bigint | undefined {
  if (!/^\d{1,20}$/.test(text)) return undefined;
  const value = BigInt(text);
  return value <= UINT64_MAX ? value : undefined;
}
