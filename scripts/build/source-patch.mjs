/**
 * Build-time patches of pinned third-party modules in the bundle, by exact match only: a patch
 * names the source it was written for (a snippet that must occur exactly once, or the whole
 * file's SHA-256), and any other source (an upgrade, a changed file) fails the build instead of
 * shipping a wrong patch, or none, silently.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/** `source` with `before` replaced by `after`; throws `refusal` unless `before` occurs exactly once. */
export function replaceOnce(source, before, after, refusal) {
  const at = source.indexOf(before);
  if (at < 0 || source.indexOf(before, at + 1) >= 0) throw new Error(refusal);
  return source.slice(0, at) + after + source.slice(at + before.length);
}

/** Throws `refusal` unless `source` hashes to `sha256` (hex). */
export function requireSha256(source, sha256, refusal) {
  if (createHash('sha256').update(source).digest('hex') !== sha256) throw new Error(refusal);
}

/**
 * An esbuild plugin applying `patches` (`{ module: RegExp, file: string, patch(source, path) }`)
 * to the modules esbuild loads; the build also fails when a patched module was never bundled.
 */
export function patchPlugin(name, patches) {
  return {
    name,
    setup(build) {
      const patched = new Set();
      build.onStart(() => {
        patched.clear();
      });
      for (const { module, file, patch } of patches) {
        build.onLoad({ filter: module }, async (args) => {
          patched.add(file);
          return { contents: patch(await readFile(args.path, 'utf8'), args.path), loader: 'js' };
        });
      }
      // Returned, not pushed onto `result.errors`: esbuild fails the build only for the former.
      build.onEnd((result) => {
        if (result.errors.length > 0) return undefined;
        const missing = patches.filter(({ file }) => !patched.has(file));
        return {
          errors: missing.map(({ file }) => ({
            text: `${name}: ${file} was not in the bundle; remove or update the patch`,
          })),
        };
      });
    },
  };
}
