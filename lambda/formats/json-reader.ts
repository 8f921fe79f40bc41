import { isUtf8 } from 'node:buffer';

/**
 * A strict JSON (RFC 8259) reader that keeps each number's text.
 *
 * `JSON.parse` turns every number into a double: a 64-bit id or nanosecond timestamp loses
 * digits past 2^53, and `1.0` can no longer be told from `1`. Both matter here: Haystack's HTTP
 * collector types a tag `LONG` or `DOUBLE` by how its number is written, and OTLP times are
 * 64-bit nanoseconds. Objects are `Map`s, so keys such as `__proto__` are plain data.
 */

/** A JSON number as written, e.g. `-12`, `1.0`, `1e3`. */
export class JsonNumber {
  constructor(readonly text: string) {}

  /** True when written without fraction or exponent (Jackson reads those as integers). */
  get isInteger(): boolean {
    return !/[.eE]/.test(this.text);
  }

  /** The nearest double, as `JSON.parse` would give. */
  toNumber(): number {
    return Number(this.text);
  }
}

export type JsonValue = string | boolean | null | JsonNumber | JsonValue[] | JsonObject;
export type JsonObject = Map<string, JsonValue>;

/** The input is not one JSON value. */
export class JsonSyntaxError extends Error {
  constructor(message: string, at: number) {
    super(`${message} at offset ${at}`);
    this.name = 'JsonSyntaxError';
  }
}

/** At most this many nested arrays and objects: deeper is refused rather than risking the stack. */
const MAX_DEPTH = 64;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * Reads UTF-8 bytes holding exactly one JSON value (whitespace around it and a leading byte
 * order mark allowed). Throws {@link JsonSyntaxError} for anything else, invalid UTF-8 included.
 */
export function readJson(bytes: Uint8Array): JsonValue {
  if (!isUtf8(bytes)) throw new JsonSyntaxError('not UTF-8', 0);
  let text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return parseJson(text);
}

/** Parses a string holding exactly one JSON value; throws {@link JsonSyntaxError} otherwise. */
export function parseJson(text: string): JsonValue {
  const reader = new Reader(text);
  const value = reader.value(0);
  reader.skipSpace();
  if (reader.pos !== text.length) reader.fail('unexpected text after the value');
  return value;
}

class Reader {
  pos = 0;

  constructor(private readonly text: string) {}

  fail(message: string): never {
    throw new JsonSyntaxError(message, this.pos);
  }

  skipSpace(): void {
    const text = this.text;
    let pos = this.pos;
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else break;
    }
    this.pos = pos;
  }

  value(depth: number): JsonValue {
    if (depth >= MAX_DEPTH) this.fail('nested too deeply');
    this.skipSpace();
    const c = this.text.charCodeAt(this.pos);
    switch (c) {
      case 0x7b: // {
        return this.object(depth);
      case 0x5b: // [
        return this.array(depth);
      case 0x22: // "
        return this.string();
      case 0x74: // t
        return this.literal('true', true);
      case 0x66: // f
        return this.literal('false', false);
      case 0x6e: // n
        return this.literal('null', null);
      default:
        return this.number();
    }
  }

  private literal<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail('unexpected token');
    this.pos += word.length;
    return value;
  }

  private number(): JsonNumber {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (match === null) this.fail('unexpected token');
    this.pos += match[0].length;
    return new JsonNumber(match[0]);
  }

  private object(depth: number): JsonObject {
    const object: JsonObject = new Map();
    this.pos++;
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return object;
    }
    for (;;) {
      this.skipSpace();
      if (this.text.charCodeAt(this.pos) !== 0x22) this.fail('expected a string key');
      const key = this.string();
      this.skipSpace();
      if (this.text.charCodeAt(this.pos) !== 0x3a) this.fail("expected ':'");
      this.pos++;
      object.set(key, this.value(depth + 1)); // a repeated key: the last wins, as JSON.parse
      this.skipSpace();
      const c = this.text.charCodeAt(this.pos++);
      if (c === 0x7d) return object;
      if (c !== 0x2c) this.fail("expected ',' or '}'");
    }
  }

  private array(depth: number): JsonValue[] {
    const array: JsonValue[] = [];
    this.pos++;
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return array;
    }
    for (;;) {
      array.push(this.value(depth + 1));
      this.skipSpace();
      const c = this.text.charCodeAt(this.pos++);
      if (c === 0x5d) return array;
      if (c !== 0x2c) this.fail("expected ',' or ']'");
    }
  }

  private string(): string {
    const text = this.text;
    const start = ++this.pos;
    let pos = start;
    // Fast path: no escapes, the common case.
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        this.pos = pos + 1;
        return text.slice(start, pos);
      }
      if (c === 0x5c) break;
      if (Number.isNaN(c)) this.fail('unterminated string');
      if (c < 0x20) this.fail('control character in string');
      pos++;
    }
    let out = text.slice(start, pos);
    for (;;) {
      const c = text.charCodeAt(pos);
      if (Number.isNaN(c)) this.fail('unterminated string');
      if (c === 0x22) break;
      if (c < 0x20) this.fail('control character in string');
      if (c !== 0x5c) {
        out += text[pos];
        pos++;
        continue;
      }
      const e = text[pos + 1];
      pos += 2;
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const hex = text.slice(pos, pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            this.pos = pos;
            this.fail('bad \\u escape');
          }
          out += String.fromCharCode(Number.parseInt(hex, 16));
          pos += 4;
          break;
        }
        default:
          this.pos = pos;
          this.fail('bad escape');
      }
    }
    this.pos = pos + 1;
    return out;
  }
}
