import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ARCHITECTURES, hostArchitecture, type LambdaArchitecture } from './architectures.js';
import { cached, cacheRoot } from './cache.js';
import { unpackNode } from './node-runtime.js';

/**
 * The Node.js runtime interface client, what Lambda's nodejs24.x runtime runs as
 * /var/runtime/index.mjs: npm `aws-lambda-ric`, its native addon (libcurl and aws-lambda-cpp
 * inside) compiled when it installs.
 */
export const RIC_VERSION = '4.0.2';

/** What the runtime needs of the installed package: the bundled client and its addon. */
const RUNTIME_FILES = [
  'index.mjs',
  'rapid-client.node',
  'package.json',
  'LICENSE',
  'NOTICE',
  'THIRD-PARTY-LICENSES',
];

/**
 * Returns a directory with the runtime interface client built for `arch` and Node.js
 * `nodeVersion`, building it on first use (about 2-3 minutes: curl and aws-lambda-cpp from the
 * sources the package ships) into the cache, keyed by both versions and the architecture.
 *
 * The addon compiles against that Node.js's own headers (`npm_config_nodedir`: nothing is
 * downloaded but npm packages). For another architecture than this machine's, the package's
 * own build scripts run with Debian's cross compilers (`g++-aarch64-linux-gnu`) as CC and CXX;
 * the configure checks that run test programs run them under qemu (see emulation.ts).
 */
export function ensureRic(arch: LambdaArchitecture, nodeVersion: string): Promise<string> {
  const target = path.join(
    cacheRoot(),
    'aws-lambda-ric',
    `${RIC_VERSION}-node${nodeVersion}-${arch}`,
  );
  return cached(target, async (temp) => {
    const work = await mkdtemp(path.join(os.tmpdir(), 'ric-build-'));
    try {
      const nodeDir = await unpackNode(arch, nodeVersion, path.join(work, 'node'));
      const project = path.join(work, 'project');
      await mkdir(project);
      await writeFile(path.join(project, 'package.json'), '{"private":true}\n');
      await run(
        'npm',
        [
          'install',
          '--no-audit',
          '--no-fund',
          '--foreground-scripts',
          `aws-lambda-ric@${RIC_VERSION}`,
        ],
        { cwd: project, env: { ...process.env, ...buildEnv(arch, nodeDir) } },
        path.join(work, 'build.log'),
      );
      await mkdir(temp);
      const installed = path.join(project, 'node_modules', 'aws-lambda-ric');
      for (const file of RUNTIME_FILES)
        await copyFile(path.join(installed, file), path.join(temp, file));
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
}

/** The environment of the build: the target Node.js's headers and, across architectures, its compilers. */
function buildEnv(arch: LambdaArchitecture, nodeDir: string): Record<string, string> {
  const env: Record<string, string> = {
    npm_config_nodedir: nodeDir,
    npm_config_arch: ARCHITECTURES[arch].npm,
  };
  if (arch === hostArchitecture()) return env;
  const t = ARCHITECTURES[arch].triplet;
  return {
    ...env,
    CC: `${t}-gcc`,
    CXX: `${t}-g++`,
    AR: `${t}-ar`,
    RANLIB: `${t}-ranlib`,
    // Where qemu finds the target's dynamic loader for configure's test programs.
    QEMU_LD_PREFIX: `/usr/${t}`,
  };
}

/** Runs a build step with its output in `logFile`; a failure shows the end of it. */
function run(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
  logFile: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const output: Buffer[] = [];
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    child.once('error', reject);
    child.once('close', async (code) => {
      const text = Buffer.concat(output).toString();
      await writeFile(logFile, text).catch(() => undefined);
      if (code === 0) resolve();
      else {
        const hint =
          "(it needs make, cmake, a C++ compiler and, for another architecture, Debian's cross compiler, e.g. apt-get install g++-aarch64-linux-gnu)";
        reject(
          new Error(
            `${command} ${args.join(' ')} failed with exit code ${code} ${hint}:\n${text.trimEnd().split('\n').slice(-40).join('\n')}`,
          ),
        );
      }
    });
  });
}
