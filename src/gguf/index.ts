/** GGUF reader, validator and writer (pure TypeScript). */
export * from './types.js';
export { readGguf, readGgufBuffer, readGgufSource, GGUF_MAGIC, GGUF_DEFAULT_ALIGNMENT } from './reader.js';
export { openFileSource, bufferSource, type ByteSource } from './source.js';
export { validateGguf, validateGgufBuffer, checkModelInvariants } from './validate.js';
export * from './metadata.js';
export { GgufWriter, gv, type GgufWriterTensor } from './writer.js';
export { seededRandom, seededU32, uniformNoise, toHalf, fromHalf, encodeFloats, decodeFloats } from './numeric.js';
export {
  makeSyntheticModel, resolveShape, resolveVocab, tokenizerMetadata, planTensors, modelCacheDir, MODEL_SHAPES,
  type ModelShape, type SyntheticModelOptions,
} from './synthetic.js';
export { ggufMutants, type GgufMutant } from './mutate.js';
export { readTensorBytes } from './reader.js';
export {
  makeLora, inspectLora, mergeLora, addLoraDelta, LORA_TARGETS,
  type MakeLoraOptions, type MergeLoraOptions, type LoraInfo,
} from './lora.js';
export { summarizeGguf, metadataToJson, type GgufSummary, type GgufJsonValue } from './summary.js';
export { metaArrayLength } from './arrays.js';
