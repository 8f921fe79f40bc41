import { Span } from '../../proto/haystack.generated.js';
import type { Lambda } from '../lib/bundle.js';
import { type Row, runtimeName } from '../lib/report.js';
import { benchSpans, kplEvent, plainEvent } from '../lib/spans.js';
import { median, ratePerCpuSecond } from '../lib/stats.js';

const SPANS = 10_000;
const TARGET = 1_000_000;

/**
 * The CPU path on one thread, in the bundled code: base64, KPL de-aggregation, validation and
 * keying of a 10,000-span batch, in spans per CPU-second (median of `samples` measurements of
 * 300 ms), with a full protobufjs decode beside it as the reference it must beat.
 */
export function cpuSuite(lambda: Lambda, samples: number): Row[] {
  const spans = benchSpans(SPANS);
  const plain = plainEvent(spans);
  const kpl = kplEvent(spans, 100);
  const bytes = spans.map((s) => s.bytes);
  const path = (records: typeof plain.Records) => (): void => {
    const rejected: Parameters<Lambda['checkSpans']>[1] = [];
    const { userRecords } = lambda.readRecords(records);
    const valid = lambda.checkSpans(userRecords, rejected);
    lambda.spanMessages(new lambda.SpanOutputs(valid), 'proto-spans', 'proto', 1_000_000, rejected);
    if (valid.length !== SPANS)
      throw new Error(`expected ${SPANS} valid spans, got ${valid.length}`);
  };
  const cases: [string, () => void][] = [
    ['base64 + validation + keying (plain records)', path(plain.Records)],
    [
      'base64 + de-aggregation + validation + keying (KPL, 100 spans per record)',
      path(kpl.Records),
    ],
    [
      'base64 alone (plain records)',
      () => {
        for (const r of plain.Records) Buffer.from(r.kinesis.data, 'base64');
      },
    ],
    [
      'kafkajs #1303 guard alone: pinned partitioner calls and the per-partition check',
      guard(
        spans.map((s) => Buffer.from(s.traceId)),
        lambda,
      ),
    ],
    [
      'reference: protobufjs Span.decode of every span',
      () => {
        for (const b of bytes) Span.decode(b);
      },
    ],
  ];
  const runtime = runtimeName();
  return cases.map(([name, fn]) => {
    for (let i = 0; i < 20; i++) fn(); // warm up the JIT
    const rate = median(Array.from({ length: samples }, () => ratePerCpuSecond(fn) * SPANS));
    const path = name.startsWith('base64 +');
    return {
      suite: 'CPU path, spans per CPU-second',
      name,
      perSecond: rate,
      runtime,
      note: path
        ? `target ≥ ${TARGET.toLocaleString('en-US')}: ${rate >= TARGET ? 'met' : 'not met'}`
        : '',
    };
  });
}

/**
 * What the guard adds to a produce of these keys: kafkajs's partitioner call per message (as
 * kafkajs makes it) with the partition pinned on the message, then the check against an answer
 * acknowledging every partition. Compare with the handler's whole CPU path above.
 */
function guard(keys: readonly Buffer[], lambda: Lambda): () => void {
  const partitionMetadata = Array.from({ length: 6 }, (_, partitionId) => ({
    partitionId,
    leader: 1,
    partitionErrorCode: 0,
    replicas: [1],
    isr: [1],
  }));
  const answer = partitionMetadata.map(({ partitionId }) => ({
    topicName: 'proto-spans',
    partition: partitionId,
    errorCode: 0,
  }));
  return () => {
    const partition = lambda.pinnedJavaPartitioner();
    const messages = keys.map((key) => ({ key, value: key }));
    for (const message of messages) partition({ topic: 'proto-spans', partitionMetadata, message });
    const missed = lambda.unacknowledged(
      messages,
      lambda.acknowledgedPartitions('proto-spans', answer),
    );
    if (missed.length > 0) throw new Error('the guard missed acknowledged partitions');
  };
}
