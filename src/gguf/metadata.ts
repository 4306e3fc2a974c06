import { metaArrayLength } from './arrays.js';
import { GgufValueType, LLAMA_FILE_TYPES, type GgufFile, type GgufScalar } from './types.js';

/**
 * The value of a metadata key (arrays as arrays), or undefined.
 *
 * @example
 * metaValue(file, 'general.architecture') // 'llama'
 */
export function metaValue(file: GgufFile, key: string): GgufScalar | GgufScalar[] | undefined {
  return file.metadata.get(key)?.value;
}

/**
 * A numeric metadata value as a JS number (64-bit values converted), or undefined when absent or not numeric.
 *
 * @example
 * metaNumber(file, 'llama.block_count') // 2
 */
export function metaNumber(file: GgufFile, key: string): number | undefined {
  const v = file.metadata.get(key);
  if (!v || v.type === GgufValueType.ARRAY) return undefined;
  if (typeof v.value === 'number') return v.value;
  if (typeof v.value === 'bigint') return Number(v.value);
  return undefined;
}

/**
 * A string metadata value, or undefined.
 *
 * @example
 * metaString(file, 'general.name')
 */
export function metaString(file: GgufFile, key: string): string | undefined {
  const v = file.metadata.get(key);
  return v && v.type === GgufValueType.STRING && typeof v.value === 'string' ? v.value : undefined;
}

/**
 * The model architecture (`general.architecture`), or undefined.
 *
 * @example
 * architectureOf(file) // 'qwen2'
 */
export function architectureOf(file: GgufFile): string | undefined {
  return metaString(file, 'general.architecture');
}

/**
 * Name of `general.file_type` ("F32", "Q4_K_M", ...), or undefined when absent; `unknown(<n>)` for new values.
 *
 * @example
 * fileTypeName(file) // 'F16'
 */
export function fileTypeName(file: GgufFile): string | undefined {
  const n = metaNumber(file, 'general.file_type');
  if (n === undefined) return undefined;
  return LLAMA_FILE_TYPES.get(n) ?? `unknown(${n})`;
}

/**
 * Total number of weights in all tensors.
 *
 * @example
 * parameterCount(file) // 494032768
 */
export function parameterCount(file: GgufFile): number {
  return file.tensors.reduce((s, t) => s + t.elements, 0);
}

/**
 * Vocabulary size: `<arch>.vocab_size`, else the length of `tokenizer.ggml.tokens`.
 *
 * @example
 * vocabSizeOf(file) // 151936
 */
export function vocabSizeOf(file: GgufFile): number | undefined {
  const arch = architectureOf(file);
  const n = arch ? metaNumber(file, `${arch}.vocab_size`) : undefined;
  if (n !== undefined) return n;
  const toks = file.metadata.get('tokenizer.ggml.tokens');
  return toks && toks.type === GgufValueType.ARRAY ? metaArrayLength(toks) : undefined;
}
