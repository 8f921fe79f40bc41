import { isUtf8 } from 'node:buffer';

/**
 * proto3 strings must be UTF-8 (Java's parser rejects the span otherwise). ASCII, nearly every
 * string of a span, is recognised inline: the bytes are OR-ed four at a time with no branch per
 * byte (a third of the whole CPU path when tested byte by byte); anything else goes to Node's
 * native validator.
 */
export function isUtf8Range(buf: Uint8Array, start: number, end: number): boolean {
  let high = 0;
  let i = start;
  for (const last = end - 3; i < last; i += 4) {
    high |=
      (buf[i] as number) | (buf[i + 1] as number) | (buf[i + 2] as number) | (buf[i + 3] as number);
  }
  for (; i < end; i++) high |= buf[i] as number;
  return high < 0x80 || isUtf8(buf.subarray(start, end));
}
