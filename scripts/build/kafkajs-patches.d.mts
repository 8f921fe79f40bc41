import type { Plugin } from 'esbuild';

/** Every build-time patch of kafkajs, as esbuild plugins (scripts/build/kafkajs-patches.mjs). */
export declare function kafkajsPatches(): Plugin[];
