import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The bundle directory (`dist/`, written by `npm run build`) of the package this module belongs
 * to: found by walking up to the nearest `package.json`, so it is right both in this repository
 * (`cdk/`) and in the installed package (`lib/cdk/`), whatever the app's working directory.
 */
export function defaultAssetPath(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'dist');
    if (path.dirname(dir) === dir) return path.resolve('dist');
  }
}
