/**
 * GGUF constants and data shapes: value types, ggml tensor types (with block sizes), llama file types.
 * Mirrors ggml/include/ggml.h, ggml/include/gguf.h and include/llama.h of the bundled llama.cpp.
 */

/** GGUF metadata value types (gguf.h `enum gguf_type`). */
export enum GgufValueType {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
}

/** Bytes per scalar of each fixed-size value type (strings and arrays are variable). */
export const GGUF_SCALAR_SIZE: Readonly<Partial<Record<GgufValueType, number>>> = Object.freeze({
  [GgufValueType.UINT8]: 1,
  [GgufValueType.INT8]: 1,
  [GgufValueType.UINT16]: 2,
  [GgufValueType.INT16]: 2,
  [GgufValueType.UINT32]: 4,
  [GgufValueType.INT32]: 4,
  [GgufValueType.FLOAT32]: 4,
  [GgufValueType.BOOL]: 1,
  [GgufValueType.UINT64]: 8,
  [GgufValueType.INT64]: 8,
  [GgufValueType.FLOAT64]: 8,
});

/** A scalar metadata value: numbers, bigint for 64-bit integers, booleans, strings. */
export type GgufScalar = number | bigint | boolean | string;

/** One metadata entry as read or written. 64-bit integers are always `bigint`. */
export type GgufMetadataValue =
  | { type: Exclude<GgufValueType, GgufValueType.ARRAY>; value: GgufScalar }
  | { type: GgufValueType.ARRAY; elementType: Exclude<GgufValueType, GgufValueType.ARRAY>; value: GgufScalar[] };

/** ggml tensor type: id, name, elements per block and bytes per block. */
export interface GgmlTypeInfo {
  readonly id: number;
  readonly name: string;
  readonly blockSize: number;
  readonly typeSize: number;
}

const T = (id: number, name: string, blockSize: number, typeSize: number): GgmlTypeInfo => ({ id, name, blockSize, typeSize });

/** Every ggml type a GGUF file may hold, by id (removed ids are absent). Checked against libggml-base. */
export const GGML_TYPES: ReadonlyMap<number, GgmlTypeInfo> = new Map(
  [
    T(0, 'F32', 1, 4), T(1, 'F16', 1, 2), T(2, 'Q4_0', 32, 18), T(3, 'Q4_1', 32, 20), T(6, 'Q5_0', 32, 22),
    T(7, 'Q5_1', 32, 24), T(8, 'Q8_0', 32, 34), T(9, 'Q8_1', 32, 36), T(10, 'Q2_K', 256, 84), T(11, 'Q3_K', 256, 110),
    T(12, 'Q4_K', 256, 144), T(13, 'Q5_K', 256, 176), T(14, 'Q6_K', 256, 210), T(15, 'Q8_K', 256, 292),
    T(16, 'IQ2_XXS', 256, 66), T(17, 'IQ2_XS', 256, 74), T(18, 'IQ3_XXS', 256, 98), T(19, 'IQ1_S', 256, 50),
    T(20, 'IQ4_NL', 32, 18), T(21, 'IQ3_S', 256, 110), T(22, 'IQ2_S', 256, 82), T(23, 'IQ4_XS', 256, 136),
    T(24, 'I8', 1, 1), T(25, 'I16', 1, 2), T(26, 'I32', 1, 4), T(27, 'I64', 1, 8), T(28, 'F64', 1, 8),
    T(29, 'IQ1_M', 256, 56), T(30, 'BF16', 1, 2), T(34, 'TQ1_0', 256, 54), T(35, 'TQ2_0', 256, 66),
    T(39, 'MXFP4', 32, 17), T(40, 'NVFP4', 64, 36), T(41, 'Q1_0', 128, 18), T(42, 'Q2_0', 64, 18),
  ].map((t) => [t.id, t] as const),
);

/** Ids of the ggml types the writer emits. */
export const GgmlType = Object.freeze({ F32: 0, F16: 1, Q4_0: 2, Q8_0: 8, Q4_K: 12, Q6_K: 14, BF16: 30 } as const);

/** `general.file_type` values (llama.h `enum llama_ftype`) by name. */
export const LLAMA_FILE_TYPES: ReadonlyMap<number, string> = new Map([
  [0, 'F32'], [1, 'F16'], [2, 'Q4_0'], [3, 'Q4_1'], [7, 'Q8_0'], [8, 'Q5_0'], [9, 'Q5_1'], [10, 'Q2_K'],
  [11, 'Q3_K_S'], [12, 'Q3_K_M'], [13, 'Q3_K_L'], [14, 'Q4_K_S'], [15, 'Q4_K_M'], [16, 'Q5_K_S'], [17, 'Q5_K_M'],
  [18, 'Q6_K'], [19, 'IQ2_XXS'], [20, 'IQ2_XS'], [21, 'Q2_K_S'], [22, 'IQ3_XS'], [23, 'IQ3_XXS'], [24, 'IQ1_S'],
  [25, 'IQ4_NL'], [26, 'IQ3_S'], [27, 'IQ3_M'], [28, 'IQ2_S'], [29, 'IQ2_M'], [30, 'IQ4_XS'], [31, 'IQ1_M'],
  [32, 'BF16'], [36, 'TQ1_0'], [37, 'TQ2_0'], [38, 'MXFP4_MOE'], [39, 'NVFP4'], [40, 'Q1_0'], [41, 'Q2_0'],
]);

/** One tensor's header entry. `offset` is relative to the data section; `absoluteOffset` to the file. */
export interface GgufTensorInfo {
  name: string;
  /** ggml order: shape[0] is the fastest-moving dimension (row length). */
  shape: number[];
  type: number;
  typeName: string;
  offset: number;
  absoluteOffset: number;
  byteSize: number;
  elements: number;
  /** File offset of this tensor's header entry (its name length field). */
  infoOffset: number;
}

/** One metadata entry with where it sits in the file. */
export type GgufMetadataEntry = GgufMetadataValue & { offset: number };

/** A parsed and validated GGUF header. Tensor data is not read. */
export interface GgufFile {
  path: string | undefined;
  version: number;
  fileSize: number;
  alignment: number;
  /** File offset of the tensor data section. */
  dataOffset: number;
  metadata: Map<string, GgufMetadataEntry>;
  tensors: GgufTensorInfo[];
}

/**
 * Byte size of a tensor of `type` with `shape`, or throws RangeError on a partial block or overflow.
 *
 * @example
 * tensorByteSize(GgmlType.Q4_K, [4096, 32]) // 4096/256*144*32
 */
export function tensorByteSize(type: number, shape: readonly number[]): number {
  const t = GGML_TYPES.get(type);
  if (!t) throw new RangeError(`unknown ggml type ${type}`);
  const row = shape[0] ?? 1;
  if (row % t.blockSize !== 0) throw new RangeError(`row length ${row} is not a multiple of block size ${t.blockSize}`);
  let n = BigInt(row / t.blockSize) * BigInt(t.typeSize);
  for (let i = 1; i < shape.length; i++) n *= BigInt(shape[i] ?? 1);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('tensor byte size overflows');
  return Number(n);
}
