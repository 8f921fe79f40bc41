/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Milliseconds one call of `fn` takes. */
export async function timeOnce(fn: () => unknown): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

/**
 * Times each contender `rounds` times, interleaved (A B C, A B C, …) so that the noise of a
 * shared machine falls on all of them alike, after `warmup` untimed rounds. Returns the
 * milliseconds of every round per contender.
 */
export async function interleaved(
  contenders: Record<string, () => unknown>,
  rounds: number,
  warmup = 2,
): Promise<Record<string, number[]>> {
  const names = Object.keys(contenders);
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = -warmup; round < rounds; round++) {
    for (const name of names) {
      const ms = await timeOnce(contenders[name] as () => unknown);
      if (round >= 0) times[name]?.push(ms);
    }
  }
  return times;
}

/**
 * Runs `fn` repeatedly for about `ms` milliseconds and returns how many times per second it
 * ran; `samples` such measurements give a median throughput on a noisy machine.
 */
export function ratePerSecond(fn: () => void, ms = 500): number {
  let runs = 0;
  const started = performance.now();
  let now = started;
  while (now - started < ms) {
    fn();
    runs++;
    now = performance.now();
  }
  return (runs * 1000) / (now - started);
}

/**
 * Like {@link ratePerSecond}, but per second of this process's CPU time: on a shared machine
 * the wall clock also counts other tenants' work, the CPU time only ours (GC threads included).
 */
export function ratePerCpuSecond(fn: () => void, ms = 300): number {
  let runs = 0;
  const started = performance.now();
  const cpu = process.cpuUsage();
  while (performance.now() - started < ms) {
    fn();
    runs++;
  }
  const used = process.cpuUsage(cpu);
  return (runs * 1e6) / (used.user + used.system);
}
