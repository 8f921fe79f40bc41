import type { Plugin } from 'esbuild';

/** The module patched, as esbuild resolves it inside node_modules. */
export declare const REQUEST_QUEUE: RegExp;
/** Returns the request queue's source with the delay floored at 1 ms; throws unless it matches exactly once. */
export declare function patchRequestQueue(source: string, file?: string): string;
/** The esbuild plugin (kafkajs issue 1751); fails the build when the request queue was not bundled. */
export declare function kafkajsNegativeTimeout(): Plugin;
