#!/usr/bin/env node
import { type FlagSpec, parseFlags, usage } from '../local/cli/flags.js';
/**
 * `npm run lambda-image -- [--arch arm64|x86_64] [--tarball]`: the offline nodejs24.x image for
 * `sam local invoke --invoke-image haystack-lambda/nodejs24.x:<arch> --skip-pull-image`, for
 * machines that cannot pull public.ecr.aws/lambda/nodejs. Builds (or takes from the cache) the
 * root filesystem from npm and Debian packages and imports it into the Docker daemon of
 * `DOCKER_HOST` (default /var/run/docker.sock). With `--tarball` it only prints the tarball's
 * path and the `docker import` command, for a daemon on another machine.
 * Needs what the recipe needs: npm, apt-get and dpkg-deb (Debian or Ubuntu), make, cmake, a C++
 * compiler, and for arm64 on x86_64 Debian's g++-aarch64-linux-gnu and qemu-user-static (root).
 */
import { dockerApi } from '../test/harness/docker/api.js';
import type { LambdaArchitecture } from '../test/harness/lambda-image/architectures.js';
import { ARCHITECTURES } from '../test/harness/lambda-image/architectures.js';
import {
  ensureLambdaImage,
  IMAGE_REPOSITORY,
  rootfsTarball,
} from '../test/harness/lambda-image/image.js';
import { IMAGE_CHANGES } from '../test/harness/lambda-image/rootfs.js';

const FLAGS: Record<string, FlagSpec> = {
  arch: {
    type: 'string',
    default: 'arm64',
    oneOf: ['arm64', 'x86_64'],
    help: "the function's architecture",
  },
  tarball: {
    type: 'boolean',
    default: false,
    help: 'print the root filesystem tarball and the import command only',
  },
  help: { type: 'boolean', default: false, help: 'this text' },
};

async function main(): Promise<number> {
  let flags: ReturnType<typeof parseFlags>;
  try {
    flags = parseFlags(process.argv.slice(2), FLAGS);
  } catch (error) {
    console.error(
      `lambda-image: ${(error as Error).message}\n\n${usage('npm run lambda-image --', FLAGS)}`,
    );
    return 2;
  }
  if (flags.help) {
    console.log(usage('npm run lambda-image --', FLAGS));
    return 0;
  }
  const arch = flags.arch as LambdaArchitecture;
  const say = (line: string) => console.error(`lambda-image: ${line}`);
  if (flags.tarball) {
    const tarball = await rootfsTarball(arch, say);
    const changes = IMAGE_CHANGES.map((c) => `-c '${c}'`).join(' ');
    console.log(tarball);
    say(
      `docker import --platform ${ARCHITECTURES[arch].platform} ${changes} ${tarball} ${IMAGE_REPOSITORY}:${arch}`,
    );
    return 0;
  }
  const socket = (process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock').replace(
    /^unix:\/\//,
    '',
  );
  const tag = await ensureLambdaImage(dockerApi(socket), arch, say);
  console.log(tag);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`lambda-image: ${(error as Error).message}`);
    process.exit(1);
  },
);
