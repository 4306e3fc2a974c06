/**
 * Pre-checks of a GGUF LoRA adapter against its base model, in TypeScript, before llama.cpp sees the file.
 * llama.cpp aborts the process (GGML_ASSERT) on some malformed adapters: a `general.type` or `adapter.lora.alpha`
 * of the wrong value type, lora tensors of 3+ dimensions, a token_embd pair whose ranks differ. Every such case is
 * a typed error here: `LoraInvalidError` (not a usable adapter) or `LoraMismatchError` (made for another base).
 */
import { LoraInvalidError, LoraMismatchError } from '../errors.js';
import { GgmlType, GgufValueType, type GgufFile, type GgufTensorInfo } from '../gguf/types.js';

/** One adapted base weight: its name, rank and the shapes of its two factors (ggml order). */
export interface LoraTarget {
  /** Base tensor name, e.g. `blk.0.attn_q.weight`. */
  tensor: string;
  rank: number;
  aShape: number[];
  bShape: number[];
}

/** What an adapter file says about itself, read and checked from its GGUF header. */
export interface LoraFileInfo {
  /** `general.architecture` of the base the adapter was made for. */
  architecture: string;
  /** `adapter.lora.alpha`; 0 when absent (llama.cpp then applies `scale` unscaled). */
  alpha: number;
  /** Largest rank over all targets (ranks usually agree). */
  rank: number;
  /** 'lora', or 'alora' when the file carries aLoRA invocation tokens. */
  kind: 'lora' | 'alora';
  /** aLoRA invocation token ids (empty for plain LoRA). */
  aloraInvocationTokens: number[];
  targets: LoraTarget[];
  /** Bytes of tensor data (what the adapter costs in memory). */
  tensorBytes: number;
  fileSize: number;
  /** `general.name`, when present. */
  name: string | null;
}

/** Tensor types llama.cpp's converters write for LoRA factors and that every backend multiplies. */
const FACTOR_TYPES: ReadonlySet<number> = new Set([GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0]);

function str(file: GgufFile, key: string, required: boolean): string | undefined {
  const e = file.metadata.get(key);
  if (!e) {
    if (required) throw new LoraInvalidError(`'${key}' is missing`, file.path);
    return undefined;
  }
  if (e.type !== GgufValueType.STRING || typeof e.value !== 'string') throw new LoraInvalidError(`'${key}' must be a string, got value type ${e.type}`, file.path);
  return e.value;
}

function alphaOf(file: GgufFile): number {
  const e = file.metadata.get('adapter.lora.alpha');
  if (!e) return 0;
  if (e.type !== GgufValueType.FLOAT32 || typeof e.value !== 'number') throw new LoraInvalidError(`'adapter.lora.alpha' must be float32, got value type ${e.type}`, file.path);
  if (!Number.isFinite(e.value)) throw new LoraInvalidError(`'adapter.lora.alpha' is ${e.value}, must be finite`, file.path);
  return e.value;
}

function invocationTokens(file: GgufFile): number[] {
  const e = file.metadata.get('adapter.alora.invocation_tokens');
  if (!e) return [];
  if (e.type !== GgufValueType.ARRAY || e.elementType !== GgufValueType.UINT32) {
    throw new LoraInvalidError(`'adapter.alora.invocation_tokens' must be an array of uint32`, file.path);
  }
  return e.value.map((v) => Number(v));
}

function factor(file: GgufFile, t: GgufTensorInfo): void {
  if (!FACTOR_TYPES.has(t.type)) throw new LoraInvalidError(`tensor '${t.name}' has type ${t.typeName}; LoRA factors must be F32, F16, BF16 or Q8_0`, file.path);
  if (t.shape.length > 2 && t.shape.slice(2).some((d) => d !== 1)) throw new LoraInvalidError(`tensor '${t.name}' has ${t.shape.length} dimensions; LoRA factors must be 2-D`, file.path);
  if (t.shape.some((d) => d <= 0)) throw new LoraInvalidError(`tensor '${t.name}' has an empty dimension`, file.path);
}

/**
 * Reads the adapter facts from a parsed GGUF header and checks everything llama.cpp would abort on.
 * Throws `LoraInvalidError` naming the file and the reason.
 *
 * @example
 * const info = inspectLoraFile(await readGguf('adapter.gguf'))
 * console.log(info.architecture, info.rank, info.alpha)
 */
export function inspectLoraFile(file: GgufFile): LoraFileInfo {
  const type = str(file, 'general.type', true);
  if (type !== 'adapter') throw new LoraInvalidError(`'general.type' is ${JSON.stringify(type)}, expected "adapter" (is this a model, not an adapter?)`, file.path);
  const adapterType = str(file, 'adapter.type', true);
  if (adapterType !== 'lora') throw new LoraInvalidError(`'adapter.type' is ${JSON.stringify(adapterType)}, expected "lora"`, file.path);
  const architecture = str(file, 'general.architecture', true) ?? '';
  const alpha = alphaOf(file);
  const inv = invocationTokens(file);
  const pairs = new Map<string, { a?: GgufTensorInfo; b?: GgufTensorInfo }>();
  let tensorBytes = 0;
  for (const t of file.tensors) {
    tensorBytes += t.byteSize;
    const m = /^(.+)\.lora_([ab])$/.exec(t.name);
    if (!m) {
      if (t.name.endsWith('_norm.weight')) continue; // llama.cpp ignores norm deltas
      throw new LoraInvalidError(`tensor '${t.name}' is neither a .lora_a nor a .lora_b factor`, file.path);
    }
    factor(file, t);
    const base = m[1] ?? '';
    const p = pairs.get(base) ?? {};
    p[m[2] === 'a' ? 'a' : 'b'] = t;
    pairs.set(base, p);
  }
  const targets: LoraTarget[] = [];
  for (const [tensor, { a, b }] of pairs) {
    if (!a || !b) throw new LoraInvalidError(`tensor '${tensor}' has a lora_${a ? 'a' : 'b'} factor but no lora_${a ? 'b' : 'a'}`, file.path);
    const aShape = [a.shape[0] ?? 1, a.shape[1] ?? 1];
    const bShape = [b.shape[0] ?? 1, b.shape[1] ?? 1];
    const embd = tensor.endsWith('token_embd.weight');
    // token_embd: a = [r, n_vocab], b = [r, n_embd] (both non-transposed); others: a = [n_in, r], b = [r, n_out].
    const rank = bShape[0] ?? 0;
    const aRank = embd ? aShape[0] : aShape[1];
    if (aRank !== rank) throw new LoraInvalidError(`tensor '${tensor}': lora_a rank ${aRank} differs from lora_b rank ${rank}`, file.path);
    targets.push({ tensor, rank, aShape, bShape });
  }
  return {
    architecture,
    alpha,
    rank: targets.reduce((r, t) => Math.max(r, t.rank), 0),
    kind: inv.length > 0 ? 'alora' : 'lora',
    aloraInvocationTokens: inv,
    targets,
    tensorBytes,
    fileSize: file.fileSize,
    name: str(file, 'general.name', false) ?? null,
  };
}

/**
 * Checks an adapter against the base model it is about to be applied to: same architecture, every target tensor
 * present in the base, every shape compatible (the checks llama.cpp makes, plus: the base weight is a 2-D matrix,
 * since llama.cpp would silently ignore a delta on a vector such as a norm weight).
 * Throws `LoraMismatchError` with `field` 'architecture', 'tensor' or 'shape'.
 *
 * @example
 * checkLoraAgainstBase(inspectLoraFile(adapter), await readGguf('base.gguf'))
 */
export function checkLoraAgainstBase(info: LoraFileInfo, base: GgufFile): void {
  const baseArch = base.metadata.get('general.architecture')?.value;
  if (info.architecture !== baseArch) {
    throw new LoraMismatchError('architecture', `adapter architecture is ${JSON.stringify(info.architecture)}, the model is ${JSON.stringify(baseArch)}`, {
      adapter: info.architecture,
      model: typeof baseArch === 'string' ? baseArch : null,
    });
  }
  const byName = new Map(base.tensors.map((t) => [t.name, t] as const));
  for (const t of info.targets) {
    const w = byName.get(t.tensor);
    if (!w) throw new LoraMismatchError('tensor', `tensor '${t.tensor}' does not exist in the model (wrong base model?)`, { tensor: t.tensor });
    if ((w.shape.length > 2 && w.shape.slice(2).some((d) => d !== 1)) || w.shape.length < 2 || w.shape[1] === 1) {
      // llama.cpp applies adapters to matrix multiplications only: a delta on a vector (a norm) would be ignored silently
      throw new LoraMismatchError('shape', `tensor '${t.tensor}' of the model is [${w.shape.join(', ')}]; only 2-D weight matrices can be adapted`, { tensor: t.tensor, model: w.shape });
    }
    const [n0, n1] = [w.shape[0] ?? 1, w.shape[1] ?? 1];
    const embd = t.tensor.endsWith('token_embd.weight');
    const ok = embd ? n0 === t.bShape[1] && n1 === t.aShape[1] : n0 === t.aShape[0] && n1 === t.bShape[1];
    if (!ok) {
      throw new LoraMismatchError('shape', `tensor '${t.tensor}' is [${w.shape.join(', ')}] in the model but the adapter factors are a=[${t.aShape.join(', ')}] b=[${t.bShape.join(', ')}] (wrong base model?)`, {
        tensor: t.tensor,
        model: w.shape,
        a: t.aShape,
        b: t.bShape,
      });
    }
  }
}
