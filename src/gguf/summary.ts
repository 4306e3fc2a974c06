import { metaArrayLength } from './arrays.js';
import { architectureOf, fileTypeName, metaNumber, metaString, parameterCount, vocabSizeOf } from './metadata.js';
import { GgufValueType, type GgufFile, type GgufMetadataEntry } from './types.js';

/** JSON-safe metadata value: 64-bit integers as numbers when safe (else decimal strings); long arrays summarised. */
export type GgufJsonValue = string | number | boolean | null | GgufJsonValue[] | { type: 'array'; elementType: string; length: number };

/** The `onramp inspect --json` document. */
export interface GgufSummary {
  path: string | undefined;
  version: number;
  architecture: string | undefined;
  name: string | undefined;
  parameters: number;
  fileSize: number;
  /** `general.file_type`, else llama.cpp's guess from the tensor types; null for a file with neither. */
  fileType: string | null;
  /** True when `fileType` was inferred from the tensor types (no `general.file_type` key). */
  fileTypeGuessed: boolean;
  contextLength: number | undefined;
  embeddingLength: number | undefined;
  blockCount: number | undefined;
  headCount: number | undefined;
  headCountKv: number | undefined;
  feedForwardLength: number | undefined;
  vocabSize: number | undefined;
  alignment: number;
  dataOffset: number;
  metadata: Record<string, GgufJsonValue>;
  /** `offset` is relative to the data section (as stored); `fileOffset` is absolute. */
  tensors: { name: string; type: string; shape: number[]; offset: number; fileOffset: number; byteSize: number }[];
}

function jsonScalar(v: unknown): GgufJsonValue {
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  return null;
}

/**
 * A metadata entry as JSON; arrays longer than `maxArray` become `{type:'array', elementType, length}`.
 *
 * @example
 * metadataToJson(file.metadata.get('tokenizer.ggml.tokens')!) // { type: 'array', elementType: 'STRING', length: 32000 }
 */
export function metadataToJson(e: GgufMetadataEntry, maxArray = 16): GgufJsonValue {
  if (e.type !== GgufValueType.ARRAY) return jsonScalar(e.value);
  const length = metaArrayLength(e);
  if (length > maxArray) return { type: 'array', elementType: GgufValueType[e.elementType] ?? String(e.elementType), length };
  return e.value.map(jsonScalar);
}

/**
 * The facts `onramp inspect` shows: architecture, sizes, hyperparameters, metadata and the tensor table.
 *
 * @example
 * const s = summarizeGguf(await validateGguf('model.gguf')); console.log(s.fileType, s.parameters)
 */
export function summarizeGguf(file: GgufFile): GgufSummary {
  const arch = architectureOf(file);
  const hp = (k: string): number | undefined => (arch ? metaNumber(file, `${arch}.${k}`) : undefined);
  const metadata: Record<string, GgufJsonValue> = {};
  for (const [k, e] of file.metadata) metadata[k] = metadataToJson(e);
  return {
    path: file.path,
    version: file.version,
    architecture: arch,
    name: metaString(file, 'general.name'),
    parameters: parameterCount(file),
    fileSize: file.fileSize,
    fileType: fileTypeName(file) ?? null,
    fileTypeGuessed: metaNumber(file, 'general.file_type') === undefined && file.tensors.length > 0,
    contextLength: hp('context_length'),
    embeddingLength: hp('embedding_length'),
    blockCount: hp('block_count'),
    headCount: hp('attention.head_count'),
    headCountKv: hp('attention.head_count_kv'),
    feedForwardLength: hp('feed_forward_length'),
    vocabSize: vocabSizeOf(file),
    alignment: file.alignment,
    dataOffset: file.dataOffset,
    metadata,
    tensors: file.tensors.map((t) => ({ name: t.name, type: t.typeName, shape: t.shape, offset: t.offset, fileOffset: t.absoluteOffset, byteSize: t.byteSize })),
  };
}
