import { execFile } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { ARCHITECTURES, type LambdaArchitecture } from './architectures.js';

const execFileAsync = promisify(execFile);

/**
 * Downloads Debian packages of `arch` (for the image: glibc, libstdc++, busybox) into `dir`
 * with the machine's apt sources but apt state of its own under `dir`: the machine's package
 * lists, its dpkg database and its architectures are neither read nor changed, and nothing is
 * installed. Resolves with the paths of the .deb files.
 */
export async function downloadDebs(
  arch: LambdaArchitecture,
  packages: readonly string[],
  dir: string,
): Promise<string[]> {
  const state = path.join(dir, 'apt');
  const debs = path.join(dir, 'debs');
  for (const d of [
    path.join(state, 'lists', 'partial'),
    path.join(state, 'cache', 'archives', 'partial'),
    debs,
  ])
    await mkdir(d, { recursive: true });
  const a = ARCHITECTURES[arch].debian;
  const options = [
    '-q',
    '-o',
    `APT::Architecture=${a}`,
    '-o',
    `APT::Architectures=${a}`,
    '-o',
    `Dir::State::Lists=${path.join(state, 'lists')}`,
    '-o',
    `Dir::Cache=${path.join(state, 'cache')}`,
    '-o',
    'Dir::State::status=/dev/null',
    // Downloading as root into a directory the _apt user cannot write: say so instead of warning.
    '-o',
    'APT::Sandbox::User=root',
  ];
  const apt = (args: string[], cwd?: string) =>
    execFileAsync('apt-get', [...options, ...args], { cwd, maxBuffer: 16 << 20 }).catch(
      (error: Error & { stderr?: string }) => {
        throw new Error(
          `apt-get ${args.join(' ')} (${a}) failed: ${error.stderr || error.message}`,
        );
      },
    );
  await apt(['update']);
  await apt(['download', ...packages], debs);
  return (await readdir(debs)).filter((f) => f.endsWith('.deb')).map((f) => path.join(debs, f));
}
