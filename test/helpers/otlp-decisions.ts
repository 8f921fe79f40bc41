import type { Delivery } from '../../lambda/kafka/producer.js';
import type { OutgoingMessage } from '../../lambda/messages.js';
import { messageSpans } from './otlp-expectation.js';
import type { OtlpFormat } from './otlp-stored.js';
import { positionOfSpan } from './spread-traces.js';

/**
 * Watches the handler's deliveries (the collector helper's `onDelivery`) for the case the OTLP
 * accounting exists for: an invocation whose answer named a record only because of an OTLP
 * message, every message of other topics up to that record being acknowledged. Such a message
 * carries spans of several records, and only its naming the earliest of them makes Lambda
 * re-deliver them all.
 */
export class OtlpDecisions {
  /** Invocations answered with a record named because of an OTLP message alone. */
  decided = 0;
  /** Unacknowledged OTLP messages of those invocations. */
  unacknowledged = 0;
  private readonly values: Array<{ value: Buffer; format: OtlpFormat }> = [];
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  /** `otlpTopics`: topic name -> its OTLP format. */
  constructor(private readonly otlpTopics: ReadonlyMap<string, OtlpFormat>) {}

  readonly observe = (messages: readonly OutgoingMessage[], delivery: Delivery): void => {
    let named = Number.POSITIVE_INFINITY;
    let otherwise = Number.POSITIVE_INFINITY;
    const otlp: OutgoingMessage[] = [];
    messages.forEach((message, i) => {
      if (delivery.acknowledged[i]) return;
      named = Math.min(named, message.recordIndex);
      if (this.otlpTopics.has(message.topic)) otlp.push(message);
      else otherwise = Math.min(otherwise, message.recordIndex);
    });
    if (!(named < otherwise)) return;
    this.decided++;
    this.unacknowledged += otlp.length;
    // Decoded after the run: not on the invocation's time.
    for (const m of otlp) {
      this.values.push({ value: m.value, format: this.otlpTopics.get(m.topic) as OtlpFormat });
    }
    this.waiters = this.waiters.filter((w) => {
      if (this.decided >= w.count) w.resolve();
      return this.decided < w.count;
    });
  };

  /** Resolves once `count` invocations were decided by the OTLP accounting (at once if they were). */
  reached(count: number): Promise<void> {
    if (this.decided >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  /**
   * The most records apart two spans of one unacknowledged OTLP message of those invocations
   * were (span ids of spread-traces.ts spell their record's position).
   */
  widest(): number {
    let widest = 0;
    for (const { value, format } of this.values) {
      const positions = messageSpans(value, format).map((s) => positionOfSpan(s.spanId));
      widest = Math.max(widest, Math.max(...positions) - Math.min(...positions));
    }
    return widest;
  }
}
