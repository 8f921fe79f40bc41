import type { Plugin } from 'esbuild';
import type { ModulePatch } from './source-patch.mjs';

/** Every build-time patch of kafkajs, as esbuild plugins (scripts/build/kafkajs-patches.mjs). */
export declare function kafkajsPatches(): Plugin[];
/** The same patches as module patches, for the tests' require hook. */
export declare function kafkajsModulePatches(): ModulePatch[];
