import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * `~/.cache/haystack-kinesis-collector` (or `$XDG_CACHE_HOME/…`): outside the clone, so a CI
 * run on a fresh clone reuses what an earlier run built. Every entry is named by the versions
 * it was built from, so a version change builds a new entry instead of reusing a stale one.
 */
export function cacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'haystack-kinesis-collector');
}

/**
 * Returns `target` (a file or directory), building it first with `build(temp)` when missing.
 * The build writes into a temp path beside the target that is renamed into place only when
 * complete, so a reader never sees half an entry; when two runs build at once, the first
 * rename wins and the other's copy is discarded.
 */
export async function cached(
  target: string,
  build: (temp: string) => Promise<void>,
): Promise<string> {
  if (existsSync(target)) return target;
  await mkdir(path.dirname(target), { recursive: true });
  const temp = `${target}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await build(temp);
    if (!existsSync(target)) await rename(temp, target).catch(racedUnlessMissing(target));
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
  return target;
}

function racedUnlessMissing(target: string): (error: Error) => void {
  return (error) => {
    if (!existsSync(target)) throw error;
  };
}
