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

/** llama.cpp's guess (llama-model-loader.cpp): the ftype of the most common tensor type; unknown types give ALL_F32. */
const FTYPE_OF_GGML_TYPE: ReadonlyMap<number, number> = new Map([
  [0, 0], [1, 1], [30, 32], [2, 2], [3, 3], [6, 8], [7, 9], [8, 7], [10, 10], [11, 12], [12, 15], [13, 17], [14, 18],
  [34, 36], [35, 37], [16, 19], [17, 20], [22, 28], [18, 23], [19, 24], [29, 31], [20, 25], [23, 30], [21, 26],
  [40, 39], [41, 40], [42, 41],
]);

function layerOf(name: string): number {
  const m = /^blk\.([+-]?\d+)/.exec(name);
  return m ? Number(m[1]) : -1;
}

/**
 * The llama_ftype llama.cpp infers when `general.file_type` is absent: the type held by the most tensors (ties go
 * to the type that reached the count first in llama.cpp's tensor order: by layer, then by name), mapped to its
 * "mostly" ftype; undefined for a file without tensors.
 *
 * @example
 * guessFileType(file) // 0 (ALL_F32) for stories260K
 */
export function guessFileType(file: GgufFile): number | undefined {
  if (file.tensors.length === 0) return undefined;
  const names = file.tensors.map((t) => ({ name: t.name, layer: layerOf(t.name), type: t.type }));
  names.sort((a, b) => (a.layer !== b.layer ? a.layer - b.layer : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const counts = new Map<number, number>();
  let max = 0;
  let typeMax = 0;
  for (const t of names) {
    const n = (counts.get(t.type) ?? 0) + 1;
    counts.set(t.type, n);
    if (max < n) {
      max = n;
      typeMax = t.type;
    }
  }
  return FTYPE_OF_GGML_TYPE.get(typeMax) ?? 0;
}

/**
 * Name of `general.file_type` ("F32", "Q4_K_M", ...), `unknown(<n>)` for new values; when the key is absent, the
 * type llama.cpp infers from the tensor types (see {@link guessFileType}), as `Model.info.fileType` reports it;
 * undefined only for a file without that key and without tensors.
 *
 * @example
 * fileTypeName(file) // 'F16'
 */
export function fileTypeName(file: GgufFile): string | undefined {
  const n = metaNumber(file, 'general.file_type') ?? guessFileType(file);
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
