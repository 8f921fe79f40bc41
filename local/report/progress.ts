import type { RunState } from '../state.js';
import { count, duration } from './format.js';

const WIDTH = 24;

/** One progress line for the state of a run. */
export function progressLine(state: RunState, now = Date.now()): string {
  const elapsed = now - state.startedAt;
  const generating = state.generateStartedAt ?? now;
  const fraction = state.spansTarget
    ? (state.spansStored + state.lettersStored) / Math.max(1, state.spansTarget)
    : state.durationTargetMs
      ? (now - generating) / state.durationTargetMs
      : 0;
  const done = Math.max(0, Math.min(1, fraction));
  const filled = Math.round(done * WIDTH);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}]`;
  const seconds = Math.max(0.001, (now - generating) / 1000);
  const target = state.spansTarget ? `/${count(state.spansTarget)}` : '';
  return [
    `${state.phase.padEnd(9)} ${bar} ${String(Math.floor(done * 100)).padStart(3)}%`,
    `put ${count(state.spansPut)}${target}`,
    `stored ${count(state.spansStored)}`,
    `dlq ${count(state.lettersStored)}`,
    `${count(state.spansStored / seconds)} spans/s`,
    `inv ${count(state.invocations)}`,
    `retries ${count(state.retries)}`,
    `lag ${duration(state.iteratorAgeMs)}`,
    duration(elapsed),
  ].join(' | ');
}

/**
 * Redraws the progress line on a terminal (one line, rewritten in place); elsewhere (CI, a
 * pipe) prints a line every few seconds instead. Returns a function that stops it.
 */
export function showProgress(
  state: RunState,
  out: NodeJS.WriteStream = process.stderr,
): () => void {
  const tty = out.isTTY === true;
  const draw = (): void => {
    if (tty) out.write(`\r\x1b[2K${progressLine(state).slice(0, (out.columns || 160) - 1)}`);
    else out.write(`${progressLine(state)}\n`);
  };
  const timer = setInterval(draw, tty ? 250 : 5_000);
  timer.unref();
  return () => {
    clearInterval(timer);
    draw();
    if (tty) out.write('\n');
  };
}
