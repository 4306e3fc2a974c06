import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from '../errors.js';
import { hashString, seededU32, toHalf, uniformNoise } from './numeric.js';
import { readGguf } from './reader.js';
import { GgmlType, GgufValueType, type GgufFile, type GgufMetadataValue } from './types.js';
import { GgufWriter, gv } from './writer.js';

/** The hyperparameters of a synthetic decoder-only model. */
export interface ModelShape {
  arch: 'llama' | 'qwen2';
  layers: number;
  hidden: number;
  heads: number;
  kvHeads: number;
  ff: number;
  contextLength: number;
  ropeFreqBase: number;
  rmsEps: number;
  /** No output.weight: llama.cpp reuses token_embd (as Qwen2.5-0.5B does). */
  tieEmbeddings: boolean;
  /** q/k/v biases (qwen2 only). */
  attnBias: boolean;
}

/** Named shapes. `qwen2.5-0.5b` is Qwen2.5-0.5B-Instruct's exact geometry. */
export const MODEL_SHAPES: Readonly<Record<'tiny' | 'qwen2.5-0.5b', ModelShape>> = Object.freeze({
  tiny: { arch: 'llama', layers: 2, hidden: 64, heads: 4, kvHeads: 2, ff: 128, contextLength: 512, ropeFreqBase: 10000, rmsEps: 1e-5, tieEmbeddings: false, attnBias: false },
  'qwen2.5-0.5b': { arch: 'qwen2', layers: 24, hidden: 896, heads: 14, kvHeads: 2, ff: 4864, contextLength: 32768, ropeFreqBase: 1000000, rmsEps: 1e-6, tieEmbeddings: true, attnBias: true },
});

export interface SyntheticModelOptions {
  /** A named shape, or a partial shape over `tiny`. */
  shape?: keyof typeof MODEL_SHAPES | (string & {}) | Partial<ModelShape>;
  /** Vocab name (`llama-spm`, `qwen2`, ... from deps/llama.cpp/models/ggml-vocab-<name>.gguf) or a GGUF path. */
  vocab?: string;
  /** Keep only the first N tokens (SPM vocabs only): small, fast-loading models for tests. */
  vocabLimit?: number;
  seed?: number;
  /** Weight type of 2-D tensors (norms and biases are always F32). Default f16 above 50M parameters, else f32. */
  type?: 'f32' | 'f16';
  /** Weight standard deviation (zero-mean uniform noise). Default 0.02. */
  std?: number;
  /** Tensor data alignment, written as general.alignment when given (default 32, not written). */
  alignment?: number;
  /** Output path; default: a cache file under .cache/models keyed by the options. */
  output?: string;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const packageRoot = path.resolve(here, '..', '..');
/** Where cached synthetic models go: `$ONRAMP_CACHE_DIR/models`, else <repo>/.cache/models. */
export const modelCacheDir = (): string => path.join(process.env.ONRAMP_CACHE_DIR ?? path.join(packageRoot, '.cache'), 'models');
/** deps/llama.cpp/models of the bundled source (`ONRAMP_LLAMA_MODELS_DIR` overrides). */
export const vocabDir = (): string => process.env.ONRAMP_LLAMA_MODELS_DIR ?? path.join(packageRoot, 'deps', 'llama.cpp', 'models');
const GENERATOR_VERSION = 2;

/**
 * Resolves a shape name, JSON string or partial shape to a full shape, validating every field.
 *
 * @example
 * resolveShape('tiny').layers // 2
 */
export function resolveShape(shape: SyntheticModelOptions['shape'] = 'tiny'): ModelShape {
  let s: Partial<ModelShape>;
  if (typeof shape === 'string') {
    const named = (MODEL_SHAPES as Record<string, ModelShape>)[shape];
    if (named) return { ...named };
    try {
      s = JSON.parse(shape) as Partial<ModelShape>;
    } catch {
      throw new InvalidArgumentError('shape', `unknown shape '${shape}' (use ${Object.keys(MODEL_SHAPES).join(', ')} or a JSON object)`);
    }
  } else s = shape;
  const base = s.arch === 'qwen2' ? { ...MODEL_SHAPES.tiny, arch: 'qwen2' as const, attnBias: true } : MODEL_SHAPES.tiny;
  const out: ModelShape = { ...base, ...s };
  if (out.arch !== 'llama' && out.arch !== 'qwen2') throw new InvalidArgumentError('shape.arch', `must be llama or qwen2, got ${String(out.arch)}`);
  for (const k of ['layers', 'hidden', 'heads', 'kvHeads', 'ff', 'contextLength'] as const) {
    if (!Number.isInteger(out[k]) || out[k] < 1) throw new InvalidArgumentError(`shape.${k}`, `must be a positive integer, got ${String(out[k])}`);
  }
  if (out.layers > 512) throw new InvalidArgumentError('shape.layers', 'at most 512');
  if (out.hidden % out.heads !== 0) throw new InvalidArgumentError('shape.hidden', `${out.hidden} is not divisible by heads ${out.heads}`);
  if (out.heads % out.kvHeads !== 0) throw new InvalidArgumentError('shape.kvHeads', `heads ${out.heads} is not a multiple of kvHeads ${out.kvHeads}`);
  if ((out.hidden / out.heads) % 2 !== 0) throw new InvalidArgumentError('shape.heads', 'head size must be even (rope)');
  return out;
}

/**
 * Path of a vocab GGUF from a name (`llama-spm`, `qwen2`, ...) or a file path.
 *
 * @example
 * resolveVocab('qwen2') // <repo>/deps/llama.cpp/models/ggml-vocab-qwen2.gguf
 */
export function resolveVocab(vocab: string): string {
  if (vocab.endsWith('.gguf') || vocab.includes('/') || vocab.includes(path.sep)) return path.resolve(vocab);
  const p = path.join(vocabDir(), `ggml-vocab-${vocab}.gguf`);
  if (!existsSync(p)) throw new InvalidArgumentError('vocab', `no vocab file ${p}; names are the ggml-vocab-<name>.gguf files of ${vocabDir()}`);
  return p;
}

/**
 * Every `tokenizer.*` entry of a GGUF file, optionally truncated to the first `limit` tokens (SPM only).
 *
 * @example
 * const tok = tokenizerMetadata(await readGguf(resolveVocab('llama-spm')), 300)
 */
export function tokenizerMetadata(vocab: GgufFile, limit?: number): Map<string, GgufMetadataValue> {
  const out = new Map<string, GgufMetadataValue>();
  for (const [k, e] of vocab.metadata) {
    if (!k.startsWith('tokenizer.')) continue;
    const { offset: _, ...v } = e;
    out.set(k, v as GgufMetadataValue);
  }
  const toks = out.get('tokenizer.ggml.tokens');
  if (!toks || toks.type !== GgufValueType.ARRAY) throw new InvalidArgumentError('vocab', `${vocab.path ?? 'vocab'} has no tokenizer.ggml.tokens`);
  if (limit !== undefined && limit < toks.value.length) {
    const model = out.get('tokenizer.ggml.model')?.value;
    if (model !== 'llama') throw new InvalidArgumentError('vocabLimit', `only SPM (tokenizer.ggml.model = llama) vocabs can be truncated, this one is ${String(model)}`);
    if (limit < 259) throw new InvalidArgumentError('vocabLimit', 'must keep at least 259 tokens (specials and byte tokens)');
    for (const [k, v] of out) {
      if (v.type === GgufValueType.ARRAY && v.value.length === toks.value.length) out.set(k, { ...v, value: v.value.slice(0, limit) });
      if (k.endsWith('_token_id') && v.type !== GgufValueType.ARRAY && Number(v.value) >= limit) out.delete(k);
    }
  }
  return out;
}

interface TensorPlan {
  name: string;
  shape: number[];
  kind: 'weight' | 'norm' | 'bias';
}

/**
 * The tensor list of a llama/qwen2 model in llama.cpp's naming (ggml shape order).
 *
 * @example
 * planTensors(resolveShape('tiny'), 32000)[0] // { name: 'token_embd.weight', shape: [64, 32000], kind: 'weight' }
 */
export function planTensors(s: ModelShape, nVocab: number): TensorPlan[] {
  const kv = (s.hidden / s.heads) * s.kvHeads;
  const t: TensorPlan[] = [{ name: 'token_embd.weight', shape: [s.hidden, nVocab], kind: 'weight' }];
  for (let i = 0; i < s.layers; i++) {
    const b = `blk.${i}.`;
    t.push({ name: `${b}attn_norm.weight`, shape: [s.hidden], kind: 'norm' });
    t.push({ name: `${b}attn_q.weight`, shape: [s.hidden, s.hidden], kind: 'weight' });
    t.push({ name: `${b}attn_k.weight`, shape: [s.hidden, kv], kind: 'weight' });
    t.push({ name: `${b}attn_v.weight`, shape: [s.hidden, kv], kind: 'weight' });
    if (s.attnBias) {
      t.push({ name: `${b}attn_q.bias`, shape: [s.hidden], kind: 'bias' });
      t.push({ name: `${b}attn_k.bias`, shape: [kv], kind: 'bias' });
      t.push({ name: `${b}attn_v.bias`, shape: [kv], kind: 'bias' });
    }
    t.push({ name: `${b}attn_output.weight`, shape: [s.hidden, s.hidden], kind: 'weight' });
    t.push({ name: `${b}ffn_norm.weight`, shape: [s.hidden], kind: 'norm' });
    t.push({ name: `${b}ffn_gate.weight`, shape: [s.hidden, s.ff], kind: 'weight' });
    t.push({ name: `${b}ffn_up.weight`, shape: [s.hidden, s.ff], kind: 'weight' });
    t.push({ name: `${b}ffn_down.weight`, shape: [s.ff, s.hidden], kind: 'weight' });
  }
  t.push({ name: 'output_norm.weight', shape: [s.hidden], kind: 'norm' });
  if (!s.tieEmbeddings) t.push({ name: 'output.weight', shape: [s.hidden, nVocab], kind: 'weight' });
  return t;
}

const CHUNK = 1 << 20;

async function* tensorData(p: TensorPlan, type: number, seed: number, std: number): AsyncGenerator<Uint8Array> {
  const n = p.shape.reduce((a, b) => a * b, 1);
  const next = seededU32(hashString(p.name, seed >>> 0));
  const f16 = type === GgmlType.F16;
  const noise = p.kind === 'norm' ? undefined : uniformNoise(p.kind === 'bias' ? std * 0.5 : std, f16 ? 'f16' : 'f32');
  for (let done = 0; done < n; done += CHUNK) {
    const len = Math.min(CHUNK, n - done);
    const buf = f16 ? new Uint16Array(len) : new Float32Array(len);
    if (noise) noise.fill(buf, next);
    else buf.fill(f16 ? toHalf(1) : 1);
    yield new Uint8Array(buf.buffer);
  }
}

/**
 * Writes a synthetic llama/qwen2 model: seeded random weights, a real tokenizer copied from a llama.cpp vocab
 * file, and the hyperparameter keys llama.cpp needs. Tensors are streamed (memory stays flat). Without
 * `output`, the file is cached under .cache/models keyed by the options and reused. Returns the path.
 *
 * @example
 * const file = await makeSyntheticModel({ shape: 'tiny', vocab: 'llama-spm', seed: 1 })
 */
export async function makeSyntheticModel(opts: SyntheticModelOptions = {}): Promise<string> {
  const shape = resolveShape(opts.shape);
  const vocabPath = resolveVocab(opts.vocab ?? (shape.arch === 'qwen2' ? 'qwen2' : 'llama-spm'));
  const seed = opts.seed ?? 0;
  const std = opts.std ?? 0.02;
  if (!(std >= 0 && std < 10)) throw new InvalidArgumentError('std', `must be in [0, 10), got ${std}`);
  if (opts.vocabLimit !== undefined && (!Number.isInteger(opts.vocabLimit) || opts.vocabLimit < 1)) throw new InvalidArgumentError('vocabLimit', 'must be a positive integer');
  const vocab = await readGguf(vocabPath);
  const tok = tokenizerMetadata(vocab, opts.vocabLimit);
  const tokens = tok.get('tokenizer.ggml.tokens')!.value as string[];
  const plan = planTensors(shape, tokens.length);
  const params = plan.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
  const type = opts.type ?? (params > 50_000_000 ? 'f16' : 'f32');
  if (type !== 'f32' && type !== 'f16') throw new InvalidArgumentError('type', `must be f32 or f16, got ${String(type)}`);

  let out = opts.output;
  if (!out) {
    const key = JSON.stringify({ v: GENERATOR_VERSION, alignment: opts.alignment ?? null, shape, vocab: path.basename(vocabPath), size: vocab.fileSize, limit: opts.vocabLimit ?? null, seed, std, type });
    const dir = modelCacheDir();
    await mkdir(dir, { recursive: true });
    out = path.join(dir, `synthetic-${shape.arch}-${createHash('sha256').update(key).digest('hex').slice(0, 16)}.gguf`);
    if (existsSync(out)) return out;
  }

  const a = shape.arch;
  const w = new GgufWriter(opts.alignment);
  if (opts.alignment !== undefined) w.set('general.alignment', gv.u32(opts.alignment));
  w.set('general.architecture', gv.str(a));
  w.set('general.type', gv.str('model'));
  w.set('general.name', gv.str(`onramp synthetic ${a} ${shape.layers}x${shape.hidden}`));
  w.set('general.file_type', gv.u32(type === 'f16' ? 1 : 0));
  w.set('onramp.synthetic.seed', gv.u32(seed >>> 0));
  w.set(`${a}.vocab_size`, gv.u32(tokens.length));
  w.set(`${a}.context_length`, gv.u32(shape.contextLength));
  w.set(`${a}.embedding_length`, gv.u32(shape.hidden));
  w.set(`${a}.block_count`, gv.u32(shape.layers));
  w.set(`${a}.feed_forward_length`, gv.u32(shape.ff));
  w.set(`${a}.attention.head_count`, gv.u32(shape.heads));
  w.set(`${a}.attention.head_count_kv`, gv.u32(shape.kvHeads));
  w.set(`${a}.attention.layer_norm_rms_epsilon`, gv.f32(shape.rmsEps));
  w.set(`${a}.rope.freq_base`, gv.f32(shape.ropeFreqBase));
  w.set(`${a}.rope.dimension_count`, gv.u32(shape.hidden / shape.heads));
  for (const [k, v] of tok) w.set(k, v);
  const wtype = type === 'f16' ? GgmlType.F16 : GgmlType.F32;
  for (const p of plan) w.addTensor(p.name, p.shape, p.kind === 'weight' ? wtype : GgmlType.F32);
  await w.writeFile(out, (t, i) => tensorData(plan[i]!, t.type, seed, std));
  return out;
}
