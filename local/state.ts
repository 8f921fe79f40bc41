/** Live counters of a local run, read by the progress bar and the summary. */
export interface RunState {
  phase: 'starting' | 'running' | 'draining' | 'verifying' | 'done';
  startedAt: number;
  /** When generation started and ended (epoch ms). */
  generateStartedAt?: number;
  generateEndedAt?: number;
  /** When the last shard caught up with everything put. */
  mappingEndedAt?: number;
  /** Target span count, or undefined when the run is bounded by time. */
  spansTarget?: number;
  /** Target duration of generation, ms, when bounded by time. */
  durationTargetMs?: number;
  spansPut: number;
  recordsPut: number;
  recordsCheckpointed: number;
  invocations: number;
  retries: number;
  failures: number;
  partialFailures: number;
  bisections: number;
  recordsDiscarded: number;
  spansStored: number;
  lettersStored: number;
  /** IteratorAge of the last invocation and the largest seen, ms. */
  iteratorAgeMs: number;
  maxIteratorAgeMs: number;
  /** Handler durations, ms, for the median. */
  invocationMs: number[];
}

/** A fresh state at the start of a run. */
export function newRunState(): RunState {
  return {
    phase: 'starting',
    startedAt: Date.now(),
    spansPut: 0,
    recordsPut: 0,
    recordsCheckpointed: 0,
    invocations: 0,
    retries: 0,
    failures: 0,
    partialFailures: 0,
    bisections: 0,
    recordsDiscarded: 0,
    spansStored: 0,
    lettersStored: 0,
    iteratorAgeMs: 0,
    maxIteratorAgeMs: 0,
    invocationMs: [],
  };
}
