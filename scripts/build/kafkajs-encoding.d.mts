import type { Plugin } from 'esbuild';
import type { ModulePatch } from './source-patch.mjs';

/** kafkajs's Produce request v3, as esbuild resolves it inside node_modules. */
export declare const PRODUCE_REQUEST: RegExp;
/** The SHA-256 of that file in kafkajs 2.2.4. */
export declare const PRODUCE_REQUEST_SHA256: string;
/** The file that replaces it (lambda/kafka/encoding/produce-request.ts). */
export declare const PRODUCE_REQUEST_REPLACEMENT: string;
/** kafkajs's grouping of a send's messages by partition. */
export declare const GROUP_MESSAGES: RegExp;
/** The module that replaces the produce request; throws unless `source` is kafkajs 2.2.4's. */
export declare function patchProduceRequest(source: string, file?: string): string;
/** The grouping with a linear loop; throws unless it matches exactly once. */
export declare function patchGroupMessages(source: string, file?: string): string;
/** kafkajs's framing of every request it sends. */
export declare const REQUEST_FRAMING: RegExp;
/** The framing in one exact buffer; throws unless it matches exactly once. */
export declare function patchRequestFraming(source: string, file?: string): string;
/** The esbuild plugin; fails the build when any of the modules was not bundled. */
export declare function kafkajsEncoding(): Plugin;
/** The modules this patch changes, and how (for the plugin and for the tests' require hook). */
export declare const ENCODING_PATCHES: ModulePatch[];
