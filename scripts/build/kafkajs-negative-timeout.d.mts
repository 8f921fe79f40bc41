import type { Plugin } from 'esbuild';
import type { ModulePatch } from './source-patch.mjs';

/** The module patched, as esbuild resolves it inside node_modules. */
export declare const REQUEST_QUEUE: RegExp;
/** Returns the request queue's source with the delay floored at 1 ms; throws unless it matches exactly once. */
export declare function patchRequestQueue(source: string, file?: string): string;
/** The esbuild plugin (kafkajs issue 1751); fails the build when the request queue was not bundled. */
export declare function kafkajsNegativeTimeout(): Plugin;
/** The modules this patch changes, and how (for the plugin and for the tests' require hook). */
export declare const NEGATIVE_TIMEOUT_PATCHES: ModulePatch[];
