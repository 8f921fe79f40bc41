import type { Plugin } from 'esbuild';

/** `source` with `before` replaced by `after`; throws `refusal` unless `before` occurs exactly once. */
export declare function replaceOnce(
  source: string,
  before: string,
  after: string,
  refusal: string,
): string;
/** Throws `refusal` unless `source` hashes to `sha256` (hex). */
export declare function requireSha256(source: string, sha256: string, refusal: string): void;
/** One module patched by {@link patchPlugin}. */
export interface ModulePatch {
  module: RegExp;
  file: string;
  patch(source: string, path: string): string;
}
/** An esbuild plugin applying the patches; fails the build when a patched module was not bundled. */
export declare function patchPlugin(name: string, patches: ModulePatch[]): Plugin;
