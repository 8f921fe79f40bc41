import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmod,
  copyFile,
  mkdir,
  readdir,
  readFile,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../paths.js';

const execFileAsync = promisify(execFile);

/** Debian packages of the image: the C and C++ runtimes Node.js links to, and a shell. */
export const DEBIAN_PACKAGES = ['libc6', 'libgcc-s1', 'libstdc++6', 'busybox-static'] as const;

/** busybox applets linked in /bin: `sh` for the bootstrap, and what SAM's image build runs. */
const APPLETS = ['sh', 'mv', 'chmod', 'cp', 'rm', 'mkdir', 'ln', 'ls', 'cat', 'env'] as const;

/** The image configuration, as `docker import --change` lines: Lambda's variables and entry point. */
export const IMAGE_CHANGES = [
  'ENV LANG=en_US.UTF-8',
  'ENV TZ=:UTC',
  'ENV PATH=/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin',
  'ENV LD_LIBRARY_PATH=/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib',
  'ENV LAMBDA_TASK_ROOT=/var/task',
  'ENV LAMBDA_RUNTIME_DIR=/var/runtime',
  'WORKDIR /var/task',
  'ENTRYPOINT ["/var/runtime/bootstrap"]',
] as const;

const BOOTSTRAP = path.join(repoRoot(), 'test', 'harness', 'lambda-image', 'bootstrap.sh');

/** What one root filesystem is made of. */
export interface RootfsInputs {
  /** package/ of node-linux-<arch> (node-runtime.ts). */
  nodeDir: string;
  /** The runtime interface client's files (ric.ts). */
  ricDir: string;
  debs: readonly string[];
}

/**
 * A short hash of everything in the recipe that is not a version (the bootstrap, the image
 * configuration, the packages and applets), for the cache key: editing the recipe builds anew.
 */
export async function recipeHash(): Promise<string> {
  const recipe = JSON.stringify([
    await readFile(BOOTSTRAP, 'utf8'),
    IMAGE_CHANGES,
    DEBIAN_PACKAGES,
    APPLETS,
  ]);
  return createHash('sha256').update(recipe).digest('hex').slice(0, 12);
}

/**
 * Lays out a Lambda-like root filesystem in `root` and writes it as the tarball `tarFile`:
 * the Debian packages unpacked (documentation dropped), /var/lang/bin/node, the runtime
 * interface client in /var/runtime with its bootstrap, busybox applets in /bin, and the
 * directories Lambda has (/var/task for the code, /opt for layers, a world-writable /tmp).
 */
export async function writeRootfs(
  inputs: RootfsInputs,
  root: string,
  tarFile: string,
): Promise<void> {
  await mkdir(root, { recursive: true });
  for (const deb of inputs.debs) await execFileAsync('dpkg-deb', ['-x', deb, root]);
  for (const dir of [
    'usr/share/doc',
    'usr/share/man',
    'usr/share/lintian',
    'usr/share/locale',
    'usr/share/gdb',
  ])
    await rm(path.join(root, dir), { recursive: true, force: true });
  for (const dir of ['var/lang/bin', 'var/runtime', 'var/task', 'opt', 'tmp', 'etc'])
    await mkdir(path.join(root, dir), { recursive: true });
  await chmod(path.join(root, 'tmp'), 0o1777);
  await copyFile(path.join(inputs.nodeDir, 'bin', 'node'), path.join(root, 'var/lang/bin/node'));
  await chmod(path.join(root, 'var/lang/bin/node'), 0o755);
  for (const file of await readdir(inputs.ricDir))
    await copyFile(path.join(inputs.ricDir, file), path.join(root, 'var/runtime', file));
  await copyFile(BOOTSTRAP, path.join(root, 'var/runtime/bootstrap'));
  await chmod(path.join(root, 'var/runtime/bootstrap'), 0o755);
  for (const applet of APPLETS) await symlink('busybox', path.join(root, 'bin', applet));
  await writeFile(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  await execFileAsync('tar', [
    '--numeric-owner',
    '--owner=0',
    '--group=0',
    '-C',
    root,
    '-cf',
    tarFile,
    '.',
  ]);
}
