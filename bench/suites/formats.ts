import type { KinesisStreamEvent } from 'aws-lambda';
import type { Rejected } from '../../lambda/rejections.js';
import { lambdaContext } from '../../local/esm/invoke.js';
import type { OtelCollector } from '../../test/harness/otelcol/collector.js';
import { startOtelcol } from '../../test/harness/otelcol/collector.js';
import { freePort } from '../../test/harness/ports.js';
import type { Lambda } from '../lib/bundle.js';
import { type BenchCollector, benchCollector } from '../lib/collector.js';
import {
  batchRecords,
  haystackJsonRecords,
  otlpJsonRecords,
  otlpProtoRecords,
  otlpRequests,
  recordsEvent,
} from '../lib/format-records.js';
import { benchTopic } from '../lib/kafka.js';
import { type Row, runtimeName } from '../lib/report.js';
import { benchSpans, kplEvent, plainEvent } from '../lib/spans.js';
import { median, ratePerCpuSecond } from '../lib/stats.js';

const SPANS = 10_000;
/** Spans per record of the multi-span formats: what the Collector's Kinesis exporter writes. */
const PER_RECORD = 100;
/** Invocations measured together per contender and round. */
const BLOCK = 3;

interface Contender {
  name: string;
  env: Record<string, string>;
  event: KinesisStreamEvent;
  /** Kafka messages one invocation writes. */
  messages: number;
}

/**
 * Every input and output format through the real handler, side by side in one run on one
 * broker: the same 10,000 spans per invocation, in spans (and messages) per CPU-second of the
 * process, validation and Kafka (kafkajs's encoding, the acknowledgements) included; rounds
 * interleaved so the shared machine's noise falls on all alike; medians. Then each format's
 * own cost per span without Kafka, and the OpenTelemetry Collector's `kafkaexporter` on the
 * same broker as the peer.
 */
export async function formatsSuite(
  lambda: Lambda,
  brokers: string[],
  rounds: number,
): Promise<Row[]> {
  const spans = benchSpans(SPANS);
  const bytes = spans.map((s) => s.bytes);
  const requests = otlpRequests(bytes, PER_RECORD);
  const otlpProto = otlpProtoRecords(requests);
  const traces = tracesPerRecord(requests);
  const runtime = runtimeName();

  const contenders: Contender[] = [
    {
      name: 'haystack-span, one span per record (the default)',
      env: {},
      event: plainEvent(spans),
      messages: SPANS,
    },
    {
      name: 'haystack-span, KPL aggregates of 100',
      env: {},
      event: kplEvent(spans, PER_RECORD),
      messages: SPANS,
    },
    {
      name: 'haystack-batch, 100 per record',
      env: { INPUT_FORMAT: 'haystack-batch' },
      event: recordsEvent(batchRecords(bytes, PER_RECORD)),
      messages: SPANS,
    },
    {
      name: 'haystack-json, 100 per record',
      env: { INPUT_FORMAT: 'haystack-json' },
      event: recordsEvent(haystackJsonRecords(bytes, PER_RECORD)),
      messages: SPANS,
    },
    {
      name: 'otlp-proto, 100 per record',
      env: { INPUT_FORMAT: 'otlp-proto' },
      event: recordsEvent(otlpProto),
      messages: SPANS,
    },
    {
      name: 'otlp-json, 100 per record',
      env: { INPUT_FORMAT: 'otlp-json' },
      event: recordsEvent(otlpJsonRecords(requests)),
      messages: SPANS,
    },
    {
      // What Kafka carries from the OTLP path is larger (resource and scope become tags on every
      // span): the same spans as Haystack input tell conversion from the size apart.
      name: 'haystack-span, KPL of 100: the very spans otlp-proto becomes',
      env: {},
      event: kplEvent(convertedSpans(lambda, recordsEvent(otlpProto)), PER_RECORD),
      messages: SPANS,
    },
  ];
  const kpl = kplEvent(spans, PER_RECORD);
  const perInvocation = tracesPerInvocation(spans.map((s) => s.traceId));
  for (const output of ['json', 'otlp-proto', 'otlp-json']) {
    contenders.push({
      name: `OUTPUT_FORMAT=${output} (haystack-span KPL in)`,
      env: { OUTPUT_FORMAT: output },
      event: kpl,
      messages: output === 'json' ? SPANS : perInvocation,
    });
  }

  const collectors = new Map<string, BenchCollector>();
  const rows: Row[] = [];
  try {
    for (const c of contenders) {
      const topic = await benchTopic(brokers, 'bench-fmt');
      collectors.set(c.name, await benchCollector(brokers, topic, 'none', c.env));
    }
    const cpu = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
    // Garbage is collected whenever V8 gets to it, possibly during the next contender. So each
    // contender runs in a block: one invocation that absorbs what the previous one left, then
    // BLOCK measured together, so that most of its own garbage is collected on its own time.
    const invoke = async (c: Contender) => {
      const response = await collectors.get(c.name)?.handler(c.event, lambdaContext(120_000));
      if (response?.batchItemFailures.length !== 0) throw new Error(`${c.name}: failures`);
    };
    for (let round = -1; round < rounds; round++) {
      for (const c of contenders) {
        await invoke(c);
        const before = process.cpuUsage();
        for (let i = 0; i < BLOCK; i++) await invoke(c);
        const used = process.cpuUsage(before);
        if (round >= 0) cpu.get(c.name)?.push((used.user + used.system) / 1e6 / BLOCK);
      }
    }
    const rate = (name: string) => SPANS / median(cpu.get(name) ?? []);
    const plain = rate(contenders[0]?.name ?? '');
    const aggregated = rate(contenders[1]?.name ?? '');
    for (const c of contenders) {
      const spansPerCpu = rate(c.name);
      rows.push({
        suite: 'formats end to end: spans per CPU-second, validation and Kafka included',
        name: c.name,
        medianMs: median(cpu.get(c.name) ?? []) * 1000,
        perSecond: spansPerCpu,
        ratio: spansPerCpu / plain,
        runtime,
        note: `${Math.round((c.messages / SPANS) * spansPerCpu).toLocaleString('en-US')} messages per CPU-second; ${(spansPerCpu / aggregated).toFixed(2)}× the KPL haystack-span path`,
      });
    }
  } finally {
    await Promise.all([...collectors.values()].map((c) => c.close()));
  }

  rows.push(...cpuCosts(lambda, contenders.slice(0, 7), kpl, runtime));
  rows.push(...(await collectorPeer(brokers, otlpProto, traces, rounds)));
  return rows;
}

/** The Haystack spans the otlp-proto input makes of an event, with their traceIds. */
function convertedSpans(
  lambda: Lambda,
  event: KinesisStreamEvent,
): { bytes: Buffer; traceId: string }[] {
  const rejected: Rejected[] = [];
  const { userRecords } = lambda.readRecords(event.Records);
  const decoded = lambda.decodeUserRecords(
    userRecords,
    { inputFormat: 'otlp-proto', maxDecompressedBytes: 1e7 },
    rejected,
    { decompressed: 0 },
  );
  return lambda
    .checkSpans(decoded, rejected)
    .map((s) => ({ bytes: Buffer.from(s.record.data), traceId: s.key.toString() }));
}

/** Messages the OTLP output writes for one invocation of these spans: its distinct traces. */
function tracesPerInvocation(traceIds: readonly string[]): number {
  return new Set(traceIds).size;
}

/** Distinct trace ids per request: what `partition_traces_by_id` makes messages of. */
function tracesPerRecord(requests: ReturnType<typeof otlpRequests>): number {
  let messages = 0;
  for (const r of requests) {
    const ids = new Set<string>();
    for (const rs of r.resourceSpans) {
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) ids.add(Buffer.from(s.traceId ?? []).toString('hex'));
      }
    }
    messages += ids.size;
  }
  return messages;
}

/**
 * Each format's own work per span, no Kafka: base64, de-aggregation, decoding and validation
 * of each input; the encoding of each output from valid spans.
 */
function cpuCosts(
  lambda: Lambda,
  inputs: readonly Contender[],
  kpl: KinesisStreamEvent,
  runtime: string,
): Row[] {
  const rows: Row[] = [];
  const decode = (c: Contender) => {
    const format = (c.env.INPUT_FORMAT ?? 'haystack-span') as Parameters<
      Lambda['decodeUserRecords']
    >[1]['inputFormat'];
    return () => {
      const rejected: Rejected[] = [];
      const { userRecords } = lambda.readRecords(c.event.Records);
      const decoded = lambda.decodeUserRecords(
        userRecords,
        { inputFormat: format, maxDecompressedBytes: 1e7 },
        rejected,
        { decompressed: 0 },
      );
      const valid = lambda.checkSpans(decoded, rejected);
      if (valid.length !== SPANS) throw new Error(`${c.name}: ${valid.length} valid spans`);
    };
  };
  const valid = (() => {
    const { userRecords } = lambda.readRecords(kpl.Records);
    return lambda.checkSpans(userRecords, []);
  })();
  const encode = (format: 'proto' | 'json' | 'otlp-proto' | 'otlp-json') => () => {
    lambda.spanMessages(new lambda.SpanOutputs(valid), 't', format, 1_000_000, []);
  };
  const cases: Array<[string, () => void]> = [
    ...inputs.map((c): [string, () => void] => [`in: ${c.name}`, decode(c)]),
    ...(['proto', 'json', 'otlp-proto', 'otlp-json'] as const).map((f): [string, () => void] => [
      `out: ${f}`,
      encode(f),
    ]),
  ];
  for (const [name, fn] of cases) {
    for (let i = 0; i < 5; i++) fn();
    const rate = median(Array.from({ length: 7 }, () => ratePerCpuSecond(fn) * SPANS));
    rows.push({
      suite: 'formats without Kafka: the format’s own work, per CPU-second',
      name,
      perSecond: rate,
      runtime,
      note: `${(1e6 / rate).toFixed(2)} µs per span${name.startsWith('in:') ? ' (base64, KPL, decode, validate)' : ' (messages from valid spans)'}`,
    });
  }
  return rows;
}

/**
 * The peer: the OpenTelemetry Collector (built by test/harness/otelcol/) with its OTLP/HTTP
 * receiver and its `kafkaexporter` writing OTLP to the same broker, one message per trace
 * (`partition_traces_by_id`, murmur2 like ours, acks from all replicas, no sending queue so a
 * request returns once Kafka has it). It gets the same spans as OTLP requests of 100, four in
 * flight, five passes per round; its process's CPU is read from /proc around each round.
 */
async function collectorPeer(
  brokers: string[],
  records: readonly Buffer[],
  messagesPerRound: number,
  rounds: number,
): Promise<Row[]> {
  const topic = await benchTopic(brokers, 'bench-otelcol');
  const port = await freePort();
  let collector: OtelCollector;
  try {
    collector = await startOtelcol({
      receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${port}` } } } },
      exporters: {
        kafka: {
          brokers,
          traces: { topic, encoding: 'otlp_proto' },
          partition_traces_by_id: true,
          record_partitioner: { sticky_key: { hasher: 'murmur2' } },
          producer: { required_acks: -1, compression: 'none' },
          sending_queue: { enabled: false },
        },
      },
      service: { pipelines: { traces: { receivers: ['otlp'], exporters: ['kafka'] } } },
    });
  } catch (error) {
    return [
      {
        suite: 'peer: OpenTelemetry Collector kafkaexporter',
        name: 'not measured',
        runtime: 'otelcol',
        note: (error as Error).message.split('\n')[0],
      },
    ];
  }
  try {
    const send = async (body: Buffer) => {
      const response = await fetch(`http://127.0.0.1:${port}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body,
      });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`otelcol answered ${response.status}`);
    };
    // Five passes over the spans per round: /proc counts CPU in 10 ms ticks.
    const passes = 5;
    const round = async () => {
      let next = 0;
      const worker = async () => {
        while (next < records.length * passes)
          await send(records[next++ % records.length] as Buffer);
      };
      await Promise.all(Array.from({ length: 4 }, worker));
    };
    const seconds: number[] = [];
    for (let i = -2; i < rounds; i++) {
      const before = await collector.cpuSeconds();
      await round();
      const used = (await collector.cpuSeconds()) - before;
      if (i >= 0) seconds.push(used);
    }
    const cpu = median(seconds) / passes;
    return [
      {
        suite: 'formats end to end: spans per CPU-second, validation and Kafka included',
        name: 'peer: OpenTelemetry Collector, OTLP/HTTP in, kafkaexporter out (otlp_proto, one message per trace)',
        medianMs: cpu * 1000,
        perSecond: SPANS / cpu,
        runtime: 'otelcol v0.165 (Go)',
        note: `${Math.round(messagesPerRound / cpu).toLocaleString('en-US')} messages per CPU-second; requests of ${PER_RECORD} spans, 4 in flight; CPU from /proc (10 ms ticks)`,
      },
    ];
  } finally {
    await collector.stop();
  }
}
