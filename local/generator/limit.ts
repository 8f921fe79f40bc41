import type { PutEntry, Traffic } from './traffic.js';

/** How much traffic to generate: a number of spans, or until a moment (epoch ms). */
export type TrafficLimit = { spans: number } | { until: number };

/**
 * Records from `traffic` until the limit, then whatever the KPL packer still holds, then
 * undefined. A limit in spans is met at a record boundary, so a run may put a few more spans
 * than asked (a whole trace, or a whole aggregate).
 */
export function limited(traffic: Traffic, limit: TrafficLimit): () => PutEntry | undefined {
  let taken = 0;
  let flushed = false;
  return () => {
    const more = 'spans' in limit ? taken < limit.spans : Date.now() < limit.until;
    let entry: PutEntry | undefined;
    if (more) entry = traffic.next();
    else if (!flushed) {
      entry = traffic.flush();
      flushed = entry === undefined;
    }
    if (entry) taken += entry.spans;
    return entry;
  };
}
