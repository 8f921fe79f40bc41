// kafkajs ships no types for its protocol internals; only what lambda/kafka/encoding/ uses is
// declared. kafkajs is pinned at 2.2.4 (unmaintained) and the build checks the files it patches
// byte for byte (scripts/build/kafkajs-encoding.mjs), so this shape does not move.

declare module 'kafkajs/src/protocol/encoder.js' {
  /** kafkajs's growable big-endian writer: `buf` holds `offset` written bytes. */
  class Encoder {
    constructor(initialSize?: number);
    buf: Buffer;
    offset: number;
    /** The written bytes (a view of `buf`). */
    readonly buffer: Buffer;
    size(): number;
    writeVarLong(value: unknown): this;
    static sizeOfVarLong(value: unknown): number;
  }
  export = Encoder;
}

declare module 'kafkajs/src/utils/long.js' {
  /** kafkajs's 64-bit integer (a BigInt inside). */
  class Long {
    static fromInt(value: number): Long;
    static fromValue(value: unknown): Long;
    getHighBits(): number;
    getLowBits(): number;
  }
  export = Long;
}

declare module 'kafkajs/src/protocol/message/compression/index.js' {
  /** kafkajs's `CompressionTypes`. */
  export const Types: { None: 0; GZIP: 1; Snappy: 2; LZ4: 3; ZSTD: 4 };
  export const COMPRESSION_CODEC_MASK: number;
  /** The registered codec of a compression type, or null. */
  export function lookupCodec(
    type: unknown,
  ): { compress(encoder: import('kafkajs/src/protocol/encoder.js')): Promise<unknown> } | null;
}

declare module 'kafkajs/src/protocol/requests/apiKeys.js' {
  export const Produce: number;
}

declare module 'kafkajs/src/protocol/recordBatch/record/v0/index.js' {
  /** kafkajs's own record encoder (the fallback for inputs the fast path does not take). */
  function Record(record: Record<string, unknown>): import('kafkajs/src/protocol/encoder.js');
  export = Record;
}

declare module 'kafkajs/src/protocol/recordBatch/v0/index.js' {
  /** kafkajs's own record batch encoder (the fallback). */
  export function RecordBatch(
    batch: Record<string, unknown>,
  ): Promise<import('kafkajs/src/protocol/encoder.js')>;
}
