import os from 'node:os';

/** A Lambda architecture as the template names it. */
export type LambdaArchitecture = 'arm64' | 'x86_64';

/** What each tool calls one architecture. */
export interface ArchitectureNames {
  /** npm packages (`node-linux-<npm>`) and node-gyp's `--arch`. */
  npm: 'arm64' | 'x64';
  /** Debian's package architecture. */
  debian: 'arm64' | 'amd64';
  /** Docker's image platform. */
  platform: 'linux/arm64' | 'linux/amd64';
  /** GNU triplet: the cross compilers' prefix (Debian g++-aarch64-linux-gnu, g++-x86-64-linux-gnu). */
  triplet: 'aarch64-linux-gnu' | 'x86_64-linux-gnu';
}

export const ARCHITECTURES: Record<LambdaArchitecture, ArchitectureNames> = {
  arm64: { npm: 'arm64', debian: 'arm64', platform: 'linux/arm64', triplet: 'aarch64-linux-gnu' },
  x86_64: { npm: 'x64', debian: 'amd64', platform: 'linux/amd64', triplet: 'x86_64-linux-gnu' },
};

/** The Lambda architecture of this machine, or undefined on one Lambda has not. */
export function hostArchitecture(): LambdaArchitecture | undefined {
  if (os.arch() === 'arm64') return 'arm64';
  if (os.arch() === 'x64') return 'x86_64';
  return undefined;
}
