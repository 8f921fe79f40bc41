import { createRequire } from 'node:module';

const NodeModule = createRequire(__filename)('node:module') as {
  new (
    id: string,
  ): {
    paths: string[];
    filename: string;
    _compile(code: string, f: string): void;
    exports: unknown;
  };
  _nodeModulePaths(dir: string): string[];
};

/**
 * Evaluates `source` as a CommonJS module in place of `file` (its relative requires resolve
 * beside the real file), as a build-time patch would make it: the patched module, loaded on
 * its own, next to the original.
 */
export function compileModule<T>(source: string, file: string): T {
  const mod = new NodeModule(file);
  mod.filename = file;
  mod.paths = NodeModule._nodeModulePaths(file.replace(/[\\/][^\\/]+$/, ''));
  mod._compile(source, file);
  return mod.exports as T;
}
