import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Batch, Span } from '../../proto/haystack.generated.js';
import { repoRoot } from '../harness/paths.js';

/**
 * The committed test vectors of test/vectors/, made by encoders independent of ours
 * (scripts/generate-vectors.sh: protoc, opentelemetry-proto's Python code, protobuf-java-util).
 */

const VECTORS = join(repoRoot(), 'test', 'vectors');

/** A vector file's bytes. */
export function vector(name: string): Buffer {
  return readFileSync(join(VECTORS, name));
}

/**
 * The spans of an `*.expected.bin` Batch (encoded by protoc), each as canonical `Span` bytes:
 * split by protobufjs' generated decoder, not by the code under test.
 */
export function expectedSpans(name: string): Buffer[] {
  return Batch.decode(vector(name)).spans.map((span) => Buffer.from(Span.encode(span).finish()));
}
