import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DockerApi } from '../docker/api.js';
import { ensureArm64Emulation } from '../docker/emulation.js';
import { ARCHITECTURES, hostArchitecture, type LambdaArchitecture } from './architectures.js';
import { cached, cacheRoot } from './cache.js';
import { downloadDebs } from './debian.js';
import { lambdaNodeVersion, unpackNode } from './node-runtime.js';
import { ensureRic, RIC_VERSION } from './ric.js';
import { DEBIAN_PACKAGES, IMAGE_CHANGES, recipeHash, writeRootfs } from './rootfs.js';

/** Repository of the images; the tag is the architecture, as `--invoke-image` takes them. */
export const IMAGE_REPOSITORY = 'haystack-lambda/nodejs24.x';

/**
 * Makes the offline Lambda-like Node.js image for `arch` available in the daemon behind `api`,
 * for `sam local invoke --invoke-image <tag> --skip-pull-image` (SAM layers its runtime
 * interface emulator on top itself). No image registry is involved: the root filesystem is
 * assembled from npm and Debian packages (rootfs.ts), cached as a tarball outside the clone
 * (keyed by the Node.js and client versions, the architecture and the recipe), and given to
 * the daemon with `docker import`. Resolves with the image's tag.
 */
export async function ensureLambdaImage(
  api: DockerApi,
  arch: LambdaArchitecture,
  say: (line: string) => void = () => undefined,
): Promise<string> {
  if (arch !== hostArchitecture()) {
    if (arch !== 'arm64')
      throw new Error(`An ${arch} image on this ${os.arch()} machine is not supported`);
    say(`arm64 runs here through ${await ensureArm64Emulation()}`);
  }
  const tarball = await rootfsTarball(arch, say);
  const tag = `${IMAGE_REPOSITORY}:${arch}`;
  const query = new URLSearchParams({
    fromSrc: '-',
    repo: IMAGE_REPOSITORY,
    tag: arch,
    platform: ARCHITECTURES[arch].platform,
  });
  for (const change of IMAGE_CHANGES) query.append('changes', change);
  const { status, body } = await api.request(
    'POST',
    `/images/create?${query}`,
    createReadStream(tarball),
    { 'Content-Type': 'application/x-tar' },
  );
  const error = /"error":\s*"([^"]*)"/.exec(body.toString())?.[1];
  if (status !== 200 || error)
    throw new Error(`docker import of ${tarball} failed: HTTP ${status} ${error ?? body}`);
  say(`imported ${tag} from ${tarball}`);
  return tag;
}

/** The cached root filesystem tarball of `arch`, assembled on first use. */
export async function rootfsTarball(
  arch: LambdaArchitecture,
  say: (line: string) => void = () => undefined,
): Promise<string> {
  const nodeVersion = lambdaNodeVersion();
  const name = `nodejs24.x-node${nodeVersion}-ric${RIC_VERSION}-${arch}-${await recipeHash()}.tar`;
  return cached(path.join(cacheRoot(), 'lambda-image', name), async (temp) => {
    const work = await mkdtemp(path.join(os.tmpdir(), 'lambda-rootfs-'));
    try {
      say(
        `building the runtime interface client ${RIC_VERSION} for ${arch} (cached after the first run)`,
      );
      const ricDir = await ensureRic(arch, nodeVersion);
      say(
        `assembling the ${arch} root filesystem: Node.js ${nodeVersion}, Debian ${DEBIAN_PACKAGES.join(', ')}`,
      );
      const nodeDir = await unpackNode(arch, nodeVersion, path.join(work, 'node'));
      const debs = await downloadDebs(arch, DEBIAN_PACKAGES, path.join(work, 'debian'));
      await writeRootfs({ nodeDir, ricDir, debs }, path.join(work, 'root'), temp);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
}
