import { existsSync } from 'node:fs';
import path from 'node:path';

let cached: string | undefined;

/**
 * Absolute path of the repository root (the directory holding `test/harness`).
 *
 * Found by walking up rather than from `import.meta.url`, because the harness is loaded
 * both as CommonJS (tsc's view of this package) and as ESM (vitest).
 */
export function repoRoot(): string {
  if (cached) return cached;
  const starts = [typeof __dirname === 'string' ? __dirname : undefined, process.cwd()];
  for (const start of starts) {
    if (!start) continue;
    for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
      if (existsSync(path.join(dir, 'test', 'harness', 'kafka', 'pom.xml'))) {
        cached = dir;
        return dir;
      }
      if (path.dirname(dir) === dir) break;
    }
  }
  throw new Error(`Cannot find the repository root from ${starts.join(' or ')}`);
}
