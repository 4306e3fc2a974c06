import { InvalidArgumentError } from '../errors.js';
import { architectureOf, metaNumber, metaString, metaValue } from './metadata.js';
import { decodeFloats, encodeFloats, fillUniform, hashString, seededRandom } from './numeric.js';
import { openFileSource } from './source.js';
import { GgmlType, GgufValueType, type GgufFile, type GgufTensorInfo } from './types.js';
import { validateGguf } from './validate.js';
import { GgufWriter, gv } from './writer.js';

/** Tensor kinds a synthetic adapter can target (per-layer weights plus the output projection). */
export const LORA_TARGETS = ['attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_gate', 'ffn_up', 'ffn_down', 'output'] as const;

export interface MakeLoraOptions {
  /** Base model the adapter is made for. */
  model: string;
  rank: number;
  alpha: number;
  /** Subset of LORA_TARGETS. */
  targets: string[];
  seed?: number;
  /** Standard deviation of the A and B entries (zero-mean uniform). Default 0.05. */
  std?: number;
  type?: 'f32' | 'f16';
  output: string;
}

/** What `inspectLora` reports. */
export interface LoraInfo {
  path: string;
  architecture: string | undefined;
  adapterType: string | undefined;
  alpha: number;
  /** The rank of each pair (usually all equal); `rank` is the first. */
  rank: number;
  ranks: number[];
  invocationTokens: number[] | undefined;
  fileSize: number;
  /** Base tensor name with the shapes of its A and B (ggml order). */
  pairs: { target: string; a: number[]; b: number[]; type: string }[];
}

function targetOf(name: string): string | undefined {
  if (name === 'output.weight') return 'output';
  const m = /^blk\.\d+\.([a-z_]+)\.weight$/.exec(name);
  return m?.[1];
}

/**
 * Makes a synthetic LoRA adapter for a base model, in llama.cpp's layout (convert_lora_to_gguf): for a weight with
 * ggml shape [in, out], `<name>.lora_a` is [in, r] and `<name>.lora_b` is [r, out]; metadata general.type=adapter,
 * adapter.type=lora, adapter.lora.alpha, general.architecture of the base.
 *
 * @example
 * await makeLora({ model: 'base.gguf', rank: 4, alpha: 8, targets: ['attn_q', 'attn_v'], seed: 1, output: 'a.gguf' })
 */
export async function makeLora(opts: MakeLoraOptions): Promise<string> {
  if (!Number.isInteger(opts.rank) || opts.rank < 1) throw new InvalidArgumentError('rank', `must be a positive integer, got ${opts.rank}`);
  if (!Number.isFinite(opts.alpha)) throw new InvalidArgumentError('alpha', `must be a number, got ${opts.alpha}`);
  if (opts.targets.length === 0) throw new InvalidArgumentError('targets', 'at least one target is needed');
  for (const t of opts.targets) if (!(LORA_TARGETS as readonly string[]).includes(t)) throw new InvalidArgumentError('targets', `unknown target '${t}' (use ${LORA_TARGETS.join(', ')})`);
  const base = await validateGguf(opts.model);
  const arch = architectureOf(base);
  if (!arch) throw new InvalidArgumentError('model', `${opts.model} has no general.architecture`);
  const chosen = base.tensors.filter((t) => t.shape.length === 2 && opts.targets.includes(targetOf(t.name) ?? ''));
  if (chosen.length === 0) throw new InvalidArgumentError('targets', `the base model has no tensors for ${opts.targets.join(', ')}`);
  const r = opts.rank;
  const seed = opts.seed ?? 0;
  const std = opts.std ?? 0.05;
  const type = opts.type === 'f16' ? GgmlType.F16 : GgmlType.F32;
  const w = new GgufWriter();
  w.set('general.architecture', gv.str(arch));
  w.set('general.type', gv.str('adapter'));
  w.set('general.name', gv.str(`onramp synthetic lora r${r}`));
  w.set('adapter.type', gv.str('lora'));
  w.set('adapter.lora.alpha', gv.f32(opts.alpha));
  w.set('onramp.lora.seed', gv.u32(seed >>> 0));
  w.set('onramp.lora.targets', gv.array(GgufValueType.STRING, [...opts.targets]));
  const shapes: { name: string; n: number }[] = [];
  for (const t of chosen) {
    const [inDim, outDim] = t.shape as [number, number];
    w.addTensor(`${t.name}.lora_a`, [inDim, r], type);
    w.addTensor(`${t.name}.lora_b`, [r, outDim], type);
    shapes.push({ name: `${t.name}.lora_a`, n: inDim * r }, { name: `${t.name}.lora_b`, n: r * outDim });
  }
  await w.writeFile(opts.output, (_t, i) => {
    const s = shapes[i]!;
    const v = fillUniform(new Float32Array(s.n), seededRandom(hashString(s.name, seed >>> 0)), std);
    return encodeFloats(v, type === GgmlType.F16 ? 'f16' : 'f32');
  });
  return opts.output;
}

function loraPairs(file: GgufFile): Map<string, { a?: GgufTensorInfo; b?: GgufTensorInfo }> {
  const pairs = new Map<string, { a?: GgufTensorInfo; b?: GgufTensorInfo }>();
  for (const t of file.tensors) {
    const m = /^(.*)\.lora_([ab])$/.exec(t.name);
    if (!m) throw new InvalidArgumentError('lora', `${file.path}: tensor '${t.name}' is not a lora_a/lora_b tensor`);
    const p = pairs.get(m[1]!) ?? {};
    if (m[2] === 'a') p.a = t;
    else p.b = t;
    pairs.set(m[1]!, p);
  }
  for (const [name, p] of pairs) {
    if (!p.a || !p.b) throw new InvalidArgumentError('lora', `${file.path}: LoRA pair for '${name}' is missing one component`);
    if (p.a.shape.length !== 2 || p.b.shape.length !== 2 || p.a.shape[1] !== p.b.shape[0]) {
      throw new InvalidArgumentError('lora', `${file.path}: '${name}' lora_a [${p.a.shape}] and lora_b [${p.b.shape}] do not share a rank`);
    }
  }
  return pairs;
}

/**
 * Reads and checks a LoRA adapter file: metadata and the A/B pairs with their shapes.
 *
 * @example
 * const info = await inspectLora('a.gguf'); console.log(info.rank, info.alpha, info.pairs.length)
 */
export async function inspectLora(path: string): Promise<LoraInfo> {
  const file = await validateGguf(path);
  if (metaString(file, 'general.type') !== 'adapter') throw new InvalidArgumentError('lora', `${path} is not an adapter (general.type is ${String(metaValue(file, 'general.type'))})`);
  const pairs = loraPairs(file);
  const inv = metaValue(file, 'adapter.alora.invocation_tokens');
  const list = [...pairs].map(([target, p]) => ({ target, a: p.a!.shape, b: p.b!.shape, type: p.a!.typeName }));
  const ranks = list.map((p) => p.b[0]!);
  return {
    path,
    architecture: architectureOf(file),
    adapterType: metaString(file, 'adapter.type'),
    alpha: metaNumber(file, 'adapter.lora.alpha') ?? 0,
    rank: ranks[0] ?? 0,
    ranks,
    invocationTokens: Array.isArray(inv) ? inv.map(Number) : undefined,
    fileSize: file.fileSize,
    pairs: list,
  };
}

export interface MergeLoraOptions {
  model: string;
  loras: { path: string; scale?: number }[];
  output: string;
}

function floatKind(t: GgufTensorInfo, what: string): 'f32' | 'f16' {
  if (t.type === GgmlType.F32) return 'f32';
  if (t.type === GgmlType.F16) return 'f16';
  throw new InvalidArgumentError(what, `tensor '${t.name}' is ${t.typeName}; merging needs F32 or F16`);
}

/**
 * Merges LoRA adapters into a copy of an F32/F16 base model: W' = W + scale * (alpha / r) * B·A per target
 * (alpha = 0 means a factor of scale, as llama.cpp). Untouched tensors are copied byte for byte in chunks.
 *
 * @example
 * await mergeLora({ model: 'base.gguf', loras: [{ path: 'a.gguf', scale: 0.5 }], output: 'merged.gguf' })
 */
export async function mergeLora(opts: MergeLoraOptions): Promise<string> {
  const base = await validateGguf(opts.model);
  const arch = architectureOf(base);
  const byName = new Map(base.tensors.map((t) => [t.name, t]));
  const deltas = new Map<string, { a: GgufTensorInfo; b: GgufTensorInfo; path: string; factor: number }[]>();
  for (const l of opts.loras) {
    const scale = l.scale ?? 1;
    if (!Number.isFinite(scale)) throw new InvalidArgumentError('scale', `must be a number, got ${l.scale}`);
    const file = await validateGguf(l.path);
    if (metaString(file, 'general.type') !== 'adapter' || metaString(file, 'adapter.type') !== 'lora') throw new InvalidArgumentError('lora', `${l.path} is not a LoRA adapter`);
    if (architectureOf(file) !== arch) throw new InvalidArgumentError('lora', `${l.path} is for architecture ${String(architectureOf(file))}, the model is ${String(arch)}`);
    const alpha = metaNumber(file, 'adapter.lora.alpha') ?? 0;
    for (const [name, p] of loraPairs(file)) {
      const w = byName.get(name);
      if (!w) throw new InvalidArgumentError('lora', `${l.path}: tensor '${name}' does not exist in the base model (wrong base model?)`);
      const a = p.a!;
      const b = p.b!;
      if (w.shape.length !== 2 || w.shape[0] !== a.shape[0] || w.shape[1] !== b.shape[1]) {
        throw new InvalidArgumentError('lora', `${l.path}: '${name}' [${w.shape}] does not match lora_a [${a.shape}] / lora_b [${b.shape}] (wrong base model?)`);
      }
      floatKind(w, 'model');
      floatKind(a, 'lora');
      floatKind(b, 'lora');
      const r = b.shape[0]!;
      const list = deltas.get(name) ?? [];
      list.push({ a, b, path: l.path, factor: alpha ? (scale * alpha) / r : scale });
      deltas.set(name, list);
    }
  }

  const w = new GgufWriter(base.alignment);
  for (const [k, e] of base.metadata) {
    const { offset: _, ...v } = e;
    w.set(k, v);
  }
  w.set('onramp.merged_loras', gv.array(GgufValueType.STRING, opts.loras.map((l) => `${l.path}:${l.scale ?? 1}`)));
  for (const t of base.tensors) w.addTensor(t.name, t.shape, t.type);

  const srcs = new Map<string, Awaited<ReturnType<typeof openFileSource>>>();
  const src = async (p: string): Promise<Awaited<ReturnType<typeof openFileSource>>> => {
    let s = srcs.get(p);
    if (!s) srcs.set(p, (s = await openFileSource(p)));
    return s;
  };
  const baseSrc = await src(opts.model);
  try {
    await w.writeFile(opts.output, async function* (_t, i) {
      const t = base.tensors[i]!;
      const list = deltas.get(t.name);
      if (!list) {
        for (let done = 0; done < t.byteSize; done += 1 << 22) yield await baseSrc.read(t.absoluteOffset + done, Math.min(1 << 22, t.byteSize - done));
        return;
      }
      const kind = floatKind(t, 'model');
      const W = decodeFloats(await baseSrc.read(t.absoluteOffset, t.byteSize), kind);
      const [nIn, nOut] = t.shape as [number, number];
      for (const d of list) {
        const s = await src(d.path);
        const A = decodeFloats(await s.read(d.a.absoluteOffset, d.a.byteSize), floatKind(d.a, 'lora'));
        const B = decodeFloats(await s.read(d.b.absoluteOffset, d.b.byteSize), floatKind(d.b, 'lora'));
        addLoraDelta(W, A, B, nIn, nOut, d.b.shape[0]!, d.factor);
      }
      yield encodeFloats(W, kind);
    });
  } finally {
    for (const s of srcs.values()) await s.close();
  }
  return opts.output;
}

/**
 * W[o][i] += factor * sum_k B[o][k] * A[k][i], with W row-major out×in (ggml [in, out]), A r×in (ggml [in, r]) and
 * B out×r (ggml [r, out]).
 *
 * @example
 * addLoraDelta(W, A, B, 2, 2, 1, 0.5)
 */
export function addLoraDelta(W: Float32Array, A: Float32Array, B: Float32Array, nIn: number, nOut: number, r: number, factor: number): void {
  const row = new Float64Array(nIn);
  for (let o = 0; o < nOut; o++) {
    row.fill(0);
    for (let k = 0; k < r; k++) {
      const bk = B[o * r + k]!;
      if (bk === 0) continue;
      const aOff = k * nIn;
      for (let i = 0; i < nIn; i++) row[i]! += bk * A[aOff + i]!;
    }
    const wOff = o * nIn;
    for (let i = 0; i < nIn; i++) W[wOff + i] = W[wOff + i]! + factor * row[i]!;
  }
}
