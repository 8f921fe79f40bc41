import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { buildSync } from 'esbuild';
import { PRODUCE_REQUEST_REPLACEMENT } from '../../scripts/build/kafkajs-encoding.mjs';
import { kafkajsModulePatches } from '../../scripts/build/kafkajs-patches.mjs';

/**
 * A setup file (vitest.config.ts) for the suites that talk to brokers: kafkajs, loaded from
 * node_modules by the handler under test, gets the very patches the bundle ships
 * (scripts/build/kafkajs-patches.mjs), so the integration, cluster and OpenTelemetry tests
 * prove the producer that is deployed, not the unpatched one. The unit project runs without
 * it: its property tests compare the patched modules with kafkajs's own.
 *
 * Node's CommonJS loader reads each patched file through the same patch function the esbuild
 * plugin calls; the produce request's replacement (TypeScript) is bundled on the spot with
 * its kafkajs imports left to that loader, so it shares kafkajs's classes as in the bundle.
 */

interface LoadedModule {
  _compile(code: string, filename: string): void;
}
type Loader = (module: LoadedModule, filename: string) => void;
const NodeModule = createRequire(__filename)('node:module') as {
  _extensions: Record<string, Loader>;
};

/** The kafkajs files patched in this process so far (relative names, as the plugins report them). */
export function patchedKafkajsFiles(): string[] {
  return [...(state().patched as Set<string>)];
}

function state(): { patched: Set<string> } {
  const holder = globalThis as { __patchedKafkajs?: { patched: Set<string> } };
  holder.__patchedKafkajs ??= { patched: new Set() };
  return holder.__patchedKafkajs;
}

function install(): void {
  const own = state() as { patched: Set<string>; installed?: boolean };
  if (own.installed) return;
  own.installed = true;
  const require = createRequire(__filename);
  const patches = kafkajsModulePatches();
  for (const { module } of patches) {
    const loaded = Object.keys(require.cache).find((file) => module.test(file));
    if (loaded) throw new Error(`${loaded} was loaded before the kafkajs patches were installed`);
  }

  const loadJs = NodeModule._extensions['.js'] as Loader;
  NodeModule._extensions['.js'] = (module, filename) => {
    const patch = patches.find((p) => p.module.test(filename));
    if (!patch) return loadJs(module, filename);
    module._compile(patch.patch(readFileSync(filename, 'utf8'), filename), filename);
    own.patched.add(patch.file);
  };

  const loadTs = NodeModule._extensions['.ts'];
  NodeModule._extensions['.ts'] = (module, filename) => {
    if (filename !== PRODUCE_REQUEST_REPLACEMENT) {
      if (loadTs) return loadTs(module, filename);
      throw new Error(`no loader for ${filename}`);
    }
    const { outputFiles } = buildSync({
      entryPoints: [filename],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      packages: 'external',
      write: false,
      logLevel: 'silent',
    });
    module._compile(outputFiles[0]?.text ?? '', filename);
  };
}

install();
