/** Preprocessing: normalization with offset maps, token-budget truncation, chunking, prompt templates. */
export * from './offsets.js';
export * from './normalize.js';
export * from './truncate.js';
export * from './template.js';
