/**
 * The public library API of onramp. Everything a Node app needs is exported from here, nothing else.
 */
export * from './errors.js';
export type * from './engine/types.js';
export * from './gguf/index.js';
