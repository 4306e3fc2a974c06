import { GgufFormatError } from '../errors.js';
import { architectureOf, metaString } from './metadata.js';
import { firstDuplicateString, metaArrayLength, rawArrayOf } from './arrays.js';
import { readGguf, readGgufBuffer } from './reader.js';
import { GgufValueType, type GgufFile, type GgufMetadataEntry, type GgufScalar } from './types.js';

/** llama.cpp's LLAMA_MAX_LAYERS and LLAMA_MAX_EXPERTS (src/llama-hparams.h). */
const MAX_LAYERS = 512;
const MAX_EXPERTS = 1024;
const MAX_U32 = 0xffffffff;
const INT_TYPES = new Set([
  GgufValueType.UINT8, GgufValueType.INT8, GgufValueType.UINT16, GgufValueType.INT16, GgufValueType.UINT32,
  GgufValueType.INT32, GgufValueType.UINT64, GgufValueType.INT64,
]);
const ROPE_SCALING = new Set(['none', 'linear', 'yarn', 'longrope']);

function fail(file: GgufFile, e: GgufMetadataEntry, reason: string): never {
  throw new GgufFormatError(reason, e.offset, file.path);
}

/** Integer values of a scalar-or-array hyperparameter, or a format error naming the key. */
function ints(file: GgufFile, key: string, allowArray: boolean): { entry: GgufMetadataEntry; values: number[] } | undefined {
  const e = file.metadata.get(key);
  if (!e) return undefined;
  if (e.type === GgufValueType.ARRAY) {
    if (!allowArray || !INT_TYPES.has(e.elementType)) fail(file, e, `'${key}' must be an unsigned integer${allowArray ? ' or an array of them' : ''}`);
    return { entry: e, values: e.value.map((v) => Number(v)) };
  }
  if (!INT_TYPES.has(e.type)) fail(file, e, `'${key}' must be an unsigned integer, got value type ${e.type}`);
  return { entry: e, values: [Number(e.value)] };
}

function range(file: GgufFile, key: string, lo: number, hi: number, allowArray = false): number[] | undefined {
  const r = ints(file, key, allowArray);
  if (!r) return undefined;
  for (const v of r.values) if (!(v >= lo && v <= hi)) fail(file, r.entry, `'${key}' is ${v}, must be in [${lo}, ${hi}]`);
  return r.values;
}

/**
 * llama.cpp maps token text (bytes; an empty token counts as "[EMPTY_<i>]") to id and aborts (GGML_ASSERT) when
 * two tokens have the same text. Undecoded arrays are compared by their bytes (a hash over byte ranges).
 */
function checkUniqueTokens(file: GgufFile, toks: GgufMetadataEntry): void {
  const dup = (i: number, text: string): never => fail(file, toks, `'tokenizer.ggml.tokens' has duplicate token ${JSON.stringify(text.slice(0, 40))} at index ${i}`);
  const r = rawArrayOf(toks);
  if (r?.ends) {
    const i = firstDuplicateString(r);
    if (i < 0) return;
    const s = i === 0 ? 8 : r.ends[i - 1]! + 8;
    const e = r.ends[i]!;
    dup(i, e === s ? `[EMPTY_${i}]` : r.raw.toString('utf8', s, e));
  }
  const seen = new Set<string>();
  const values = toks.value as GgufScalar[];
  for (let i = 0; i < values.length; i++) {
    const s = values[i] as string;
    const k = s === '' ? `[EMPTY_${i}]` : Buffer.from(s, 'utf8').toString('latin1');
    if (seen.has(k)) dup(i, s === '' ? k : s);
    seen.add(k);
  }
}

function checkTokenizer(file: GgufFile): void {
  const toks = file.metadata.get('tokenizer.ggml.tokens');
  if (!toks) return;
  if (toks.type !== GgufValueType.ARRAY || toks.elementType !== GgufValueType.STRING) fail(file, toks, `'tokenizer.ggml.tokens' must be an array of strings`);
  const n = metaArrayLength(toks);
  checkUniqueTokens(file, toks);
  const scores = file.metadata.get('tokenizer.ggml.scores');
  if (scores && (scores.type !== GgufValueType.ARRAY || (scores.elementType !== GgufValueType.FLOAT32 && scores.elementType !== GgufValueType.INT32) || metaArrayLength(scores) < n)) {
    fail(file, scores, `'tokenizer.ggml.scores' must be an array of ${n} float32 values`);
  }
  const types = file.metadata.get('tokenizer.ggml.token_type');
  if (types && (types.type !== GgufValueType.ARRAY || types.elementType !== GgufValueType.INT32 || metaArrayLength(types) < n)) {
    fail(file, types, `'tokenizer.ggml.token_type' must be an array of ${n} int32 values`);
  }
  const merges = file.metadata.get('tokenizer.ggml.merges');
  if (merges && (merges.type !== GgufValueType.ARRAY || merges.elementType !== GgufValueType.STRING)) fail(file, merges, `'tokenizer.ggml.merges' must be an array of strings`);
  for (const key of ['bos', 'eos', 'unknown', 'padding', 'seperator', 'eot', 'eom', 'mask'].map((k) => `tokenizer.ggml.${k}_token_id`)) {
    range(file, key, 0, MAX_U32);
  }
}

function checkHyperparameters(file: GgufFile, arch: string): void {
  const p = (k: string): string => `${arch}.${k}`;
  const layers = range(file, p('block_count'), 1, MAX_LAYERS)?.[0];
  range(file, p('context_length'), 1, MAX_U32);
  const embd = range(file, p('embedding_length'), 1, MAX_U32)?.[0];
  range(file, p('feed_forward_length'), 0, MAX_U32, true);
  const heads = range(file, p('attention.head_count'), 0, MAX_U32, true);
  const kv = range(file, p('attention.head_count_kv'), 0, MAX_U32, true);
  range(file, p('attention.key_length'), 1, MAX_U32);
  range(file, p('attention.value_length'), 1, MAX_U32);
  range(file, p('vocab_size'), 1, MAX_U32);
  const experts = range(file, p('expert_count'), 0, MAX_EXPERTS)?.[0] ?? 0;
  const used = range(file, p('expert_used_count'), 0, experts, true);
  if (experts > 0 && used !== undefined && used.every((u) => u === 0)) fail(file, file.metadata.get(p('expert_used_count'))!, `'${p('expert_used_count')}' must be positive when there are experts`);
  for (const k of ['feed_forward_length', 'attention.head_count', 'attention.head_count_kv', 'expert_used_count']) {
    const e = file.metadata.get(p(k));
    if (e && e.type === GgufValueType.ARRAY && layers !== undefined && e.value.length !== layers) fail(file, e, `'${p(k)}' has ${e.value.length} entries, expected block_count = ${layers}`);
  }
  // Head sizes derive from these divisions; zero or non-divisible values abort inside llama.cpp.
  const headEntry = file.metadata.get(p('attention.head_count'));
  if (embd !== undefined && heads && headEntry && !file.metadata.has(p('attention.key_length'))) {
    for (const h of heads) if (h > 0 && embd % h !== 0) fail(file, headEntry, `'${p('embedding_length')}' ${embd} is not divisible by '${p('attention.head_count')}' ${h}`);
    if (heads.every((h) => h === 0) && (arch === 'llama' || arch === 'qwen2')) fail(file, headEntry, `'${p('attention.head_count')}' must be positive`);
  }
  const kvEntry = file.metadata.get(p('attention.head_count_kv'));
  if (heads && kv && kvEntry) {
    kv.forEach((k, i) => {
      const h = heads[heads.length === 1 ? 0 : i] ?? 0;
      const zeroKvAllowed = arch !== 'llama' && arch !== 'qwen2';
      if (h > 0 && ((k === 0 && !zeroKvAllowed) || (k > 0 && h % k !== 0))) fail(file, kvEntry, `'${p('attention.head_count')}' ${h} is not a multiple of '${p('attention.head_count_kv')}' ${k}`);
    });
  }
  const scaling = file.metadata.get(p('rope.scaling.type'));
  if (scaling && (scaling.type !== GgufValueType.STRING || !ROPE_SCALING.has(String(scaling.value)))) fail(file, scaling, `'${p('rope.scaling.type')}' must be one of ${[...ROPE_SCALING].join(', ')}`);
}

/** llama.cpp reads these adapter keys with type asserts (gguf_get_val_str/f32), so a wrong type aborts. */
function checkAdapterKeys(file: GgufFile): void {
  const want: [string, GgufValueType][] = [
    ['general.type', GgufValueType.STRING], ['adapter.type', GgufValueType.STRING], ['adapter.lora.alpha', GgufValueType.FLOAT32],
  ];
  for (const [k, type] of want) {
    const e = file.metadata.get(k);
    if (e && e.type !== type) fail(file, e, `'${k}' must be of type ${GgufValueType[type]}, got ${GgufValueType[e.type] ?? e.type}`);
  }
  const inv = file.metadata.get('adapter.alora.invocation_tokens');
  if (inv && (inv.type !== GgufValueType.ARRAY || inv.elementType !== GgufValueType.UINT32)) fail(file, inv, `'adapter.alora.invocation_tokens' must be an array of uint32`);
}

/** ggml's TENSOR_ALIGNMENT: llama.cpp maps tensor data in place and aborts on less-aligned pointers. */
export const GGML_TENSOR_ALIGNMENT = 32;

function checkTensorAlignment(file: GgufFile): void {
  for (const t of file.tensors) {
    if (t.absoluteOffset % GGML_TENSOR_ALIGNMENT !== 0) {
      const offsetFieldAt = t.infoOffset + 8 + Buffer.byteLength(t.name) + 4 + 8 * t.shape.length + 4;
      throw new GgufFormatError(`tensor '${t.name}' data starts at file offset ${t.absoluteOffset}, not a multiple of ${GGML_TENSOR_ALIGNMENT} (general.alignment ${file.alignment})`, offsetFieldAt, file.path);
    }
  }
}

/**
 * Checks the metadata invariants llama.cpp relies on without checking them itself (it aborts the process on
 * some of them): unique token texts, tokenizer array types and lengths, hyperparameter ranges.
 *
 * @example
 * checkModelInvariants(await readGguf('model.gguf'))
 */
export function checkModelInvariants(file: GgufFile): void {
  const arch = architectureOf(file);
  const archEntry = file.metadata.get('general.architecture');
  if (archEntry && archEntry.type !== GgufValueType.STRING) fail(file, archEntry, `'general.architecture' must be a string`);
  if (arch !== undefined && !/^[a-z0-9_-]{1,64}$/i.test(arch)) fail(file, archEntry!, `'general.architecture' ${JSON.stringify(arch.slice(0, 40))} is not a valid architecture name`);
  checkTensorAlignment(file);
  checkAdapterKeys(file);
  checkTokenizer(file);
  if (arch && metaString(file, 'general.type') !== 'adapter') checkHyperparameters(file, arch);
}

/**
 * Reads and fully validates a GGUF file before llama.cpp opens it: structure (see `readGguf`) plus the metadata
 * invariants llama.cpp does not check itself. Throws `FileError` or `GgufFormatError` naming the path.
 *
 * @example
 * const file = await validateGguf('model.gguf') // throws GgufFormatError with offset and reason
 */
export async function validateGguf(path: string): Promise<GgufFile> {
  const file = await readGguf(path);
  checkModelInvariants(file);
  return file;
}

/**
 * `validateGguf` for bytes in memory.
 *
 * @example
 * await validateGgufBuffer(bytes)
 */
export async function validateGgufBuffer(buf: Uint8Array, path?: string): Promise<GgufFile> {
  const file = await readGgufBuffer(buf, path);
  checkModelInvariants(file);
  return file;
}
