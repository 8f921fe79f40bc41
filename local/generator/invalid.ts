import type { ISpan } from '../../proto/haystack.generated.js';
import { Span } from '../../proto/haystack.generated.js';
import type { Random } from './random.js';

/**
 * A span broken in exactly one way, and the reason the collector must give for it (its rules
 * run in a fixed order and the first failure decides, so one defect means one known reason).
 */
export interface BrokenSpan {
  bytes: Buffer;
  reason: string;
  /** What haystack-agent would use as the partition key: the traceId, or the spanId without one. */
  partitionKey: string;
}

type Breaker = (span: ISpan, random: Random) => { fields?: Partial<ISpan>; raw?: Buffer };

const BREAKERS: Record<string, Breaker> = {
  'missing-service-name': () => ({ fields: { serviceName: '' } }),
  'missing-operation-name': () => ({ fields: { operationName: '' } }),
  'missing-span-id': () => ({ fields: { spanId: '' } }),
  'missing-trace-id': () => ({ fields: { traceId: '' } }),
  // A client sending milliseconds instead of microseconds.
  'start-time-not-micros': (span) => ({
    fields: { startTime: Math.floor(Number(span.startTime) / 1000) },
  }),
  'negative-duration': () => ({ fields: { duration: -1 } }),
  // 'n' = field 13 with wire type 6, which does not exist: no protobuf parser accepts it.
  undecodable: (_, random) => ({ raw: Buffer.from(`not a span ${random.uuid()}`) }),
};

/** Every reason a single span can be refused for, as the generator produces them. */
export const SPAN_DEFECTS: readonly string[] = Object.keys(BREAKERS);

/** Breaks a valid span in one randomly chosen way. */
export function breakSpan(span: ISpan, random: Random): BrokenSpan {
  const reason = random.pick(SPAN_DEFECTS);
  const { fields, raw } = (BREAKERS[reason] as Breaker)(span, random);
  const broken = { ...span, ...fields };
  return {
    bytes: raw ?? Buffer.from(Span.encode(broken).finish()),
    reason,
    partitionKey: broken.traceId || span.spanId || 'no-id',
  };
}
