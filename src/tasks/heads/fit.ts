/**
 * End to end head training on texts: embed once (cached), build the design matrices, train, and return a Head
 * stamped with the base model's identity. Used by `onramp train-head`, the apps and the benchmarks.
 */
import type { EngineLike, Pooling } from '../../engine/types.js';
import { ConfigError } from '../../errors.js';
import { alignWordTags, tokenCharOffsets, type Span } from './bio.js';
import type { ConllSentence, TextExample } from '../../eval/readers.js';
import { EmbeddingCache, embedMany } from './embedCache.js';
import { makeHead, type Head } from './head.js';
import { modelIdentity } from './identity.js';
import type { HeadKind } from './losses.js';
import { headMetrics } from './metrics.js';
import { trainDense, type Dataset, type TrainOptions, type TrainResult } from './train.js';

export interface FitOptions extends Omit<TrainOptions, 'kind' | 'inputDim' | 'outputDim' | 'metrics'> {
  kind: HeadKind;
  /** Label names in output order (default: sorted labels of the training data). */
  labels?: string[] | undefined;
  /** Pooling of sentence embeddings (default 'mean'; token heads always use per-token vectors). */
  pooling?: Pooling;
  normalize?: boolean;
  /** Embedding cache (default: the on-disk cache; null: none). */
  cache?: EmbeddingCache | null;
  onEmbedProgress?: (done: number, total: number) => void;
}

export interface FitResult {
  head: Head;
  result: TrainResult;
  /** Wall-clock milliseconds spent embedding (0 when fully cached) and training. */
  embedMs: number;
  trainMs: number;
}

/** The labels of an example: a list, or a cell "a|b;c" split (multi-label). */
function splitLabels(l: string | string[]): string[] {
  return (Array.isArray(l) ? l : l.split(/[|;]/)).map((s) => s.trim()).filter(Boolean);
}

function single(l: string | string[]): string {
  return Array.isArray(l) ? l.join('|') : l;
}

/**
 * The label names a kind trains on, in output order.
 *
 * @example
 * inferLabels('softmax', rows) // ['negative', 'positive']
 */
export function inferLabels(kind: HeadKind, rows: TextExample[]): string[] {
  if (kind === 'linear') return ['value'];
  const set = new Set<string>();
  for (const r of rows) for (const l of kind === 'sigmoid' ? splitLabels(r.label) : [single(r.label)]) set.add(l);
  return [...set].sort();
}

function targets(kind: HeadKind, rows: TextExample[], labels: string[], what: string): Float64Array {
  const k = labels.length;
  const Y = new Float64Array(rows.length * k);
  const index = new Map(labels.map((l, i) => [l, i]));
  rows.forEach((r, i) => {
    if (kind === 'linear') {
      const v = Number(single(r.label));
      if (!Number.isFinite(v)) throw new ConfigError(`example ${i + 1}: "${single(r.label)}" is not a number`, { field: `${what}.label` });
      Y[i * k] = v;
      return;
    }
    for (const l of kind === 'sigmoid' ? splitLabels(r.label) : [single(r.label)]) {
      const c = index.get(l);
      if (c === undefined) throw new ConfigError(`example ${i + 1}: unknown label "${l}" (labels: ${labels.slice(0, 10).join(', ')}${labels.length > 10 ? ', ...' : ''})`, { field: `${what}.label` });
      Y[i * k + c] = 1;
    }
  });
  return Y;
}

function matrix(rows: Float32Array[], dim: number): Float64Array {
  const X = new Float64Array(rows.length * dim);
  rows.forEach((r, i) => X.set(r.subarray(0, dim), i * dim));
  return X;
}

/**
 * Trains a softmax, sigmoid or linear head on labelled texts.
 *
 * @example
 * const { head } = await fitHead(engine, train, dev, { kind: 'softmax', epochs: 50, seed: 1 })
 * await saveHead(head, 'head.json')
 */
export async function fitHead(engine: EngineLike, train: TextExample[], dev: TextExample[] | undefined, opts: FitOptions): Promise<FitResult> {
  if (opts.kind === 'token') throw new ConfigError('token heads train on tagged sentences: use fitTokenHead', { field: 'kind' });
  const pooling = opts.pooling ?? 'mean';
  const normalize = opts.normalize ?? true;
  const model = await modelIdentity(engine.modelInfo, { pooling, normalize });
  const cache = opts.cache === null ? undefined : (opts.cache ?? (await EmbeddingCache.open(model)));
  const labels = opts.labels ?? inferLabels(opts.kind, train);
  const Ytr = targets(opts.kind, train, labels, 'data');
  const Ydev = dev ? targets(opts.kind, dev, labels, 'dev') : undefined;
  const t0 = performance.now();
  const all = [...train, ...(dev ?? [])].map((r) => r.text);
  const emb = await embedMany(engine, all, { pooling, normalize, cache, ...(opts.onEmbedProgress ? { onProgress: opts.onEmbedProgress } : {}) });
  const dim = engine.modelInfo.embeddingLength;
  const vec = emb.map((r) => r[0] ?? new Float32Array(dim));
  const t1 = performance.now();
  const trainSet: Dataset = { X: matrix(vec.slice(0, train.length), dim), Y: Ytr, n: train.length };
  const devSet: Dataset | undefined = dev && Ydev ? { X: matrix(vec.slice(train.length), dim), Y: Ydev, n: dev.length } : undefined;
  const result = trainDense(trainSet, devSet, {
    ...opts,
    inputDim: dim,
    outputDim: labels.length,
    metrics: (out, y, n) => headMetrics(opts.kind, out, y, n, labels.length),
  });
  const trainMs = performance.now() - t1;
  const last = result.history.find((h) => h.epoch === result.bestEpoch);
  const head = makeHead(result, {
    kind: opts.kind,
    labels,
    model,
    training: {
      examples: train.length,
      devExamples: dev?.length ?? 0,
      epochs: result.history.length,
      bestEpoch: result.bestEpoch,
      lr: opts.lr ?? 0.01,
      weightDecay: opts.weightDecay ?? 0.01,
      batchSize: opts.batchSize ?? 32,
      seed: opts.seed ?? 0,
      classWeights: opts.classWeights ?? null,
      devLoss: last?.devLoss ?? null,
      devMetrics: last?.devMetrics ?? null,
    },
  });
  return { head, result, embedMs: t1 - t0, trainMs };
}

/** Token vectors and BIO targets of tagged sentences. */
async function tokenDataset(engine: EngineLike, sents: ConllSentence[], labels: string[], normalize: boolean, cache: EmbeddingCache | undefined, onProgress?: (d: number, t: number) => void): Promise<Dataset> {
  const texts = sents.map((s) => s.tokens.join(' '));
  const emb = await embedMany(engine, texts, { pooling: 'none', normalize, cache, ...(onProgress ? { onProgress } : {}) });
  const dim = engine.modelInfo.embeddingLength;
  const k = labels.length;
  const index = new Map(labels.map((l, i) => [l, i]));
  const xs: Float32Array[] = [];
  const ys: number[] = [];
  sents.forEach((s, i) => {
    const spans: Span[] = [];
    let at = 0;
    for (const w of s.tokens) {
      spans.push([at, at + w.length]);
      at += w.length + 1;
    }
    const { offsets } = tokenCharOffsets(engine, texts[i]!);
    const tags = alignWordTags(spans, s.tags, offsets);
    const vecs = emb[i]!;
    const shift = offsets.length - vecs.length;
    tags.forEach((t, j) => {
      const v = vecs[j - shift];
      if (!v) return;
      xs.push(v);
      ys.push(index.get(t) ?? 0);
    });
  });
  const Y = new Float64Array(xs.length * k);
  ys.forEach((c, r) => (Y[r * k + c] = 1));
  return { X: matrix(xs, dim), Y, n: xs.length };
}

/**
 * Trains a token (BIO) head on tagged sentences: each token's vector (pooling 'none') is one example whose tag
 * comes from the word it falls in.
 *
 * @example
 * const { head } = await fitTokenHead(engine, await readConll('train.conll'), undefined, { kind: 'token' })
 */
export async function fitTokenHead(engine: EngineLike, train: ConllSentence[], dev: ConllSentence[] | undefined, opts: FitOptions): Promise<FitResult> {
  const normalize = opts.normalize ?? true;
  const model = await modelIdentity(engine.modelInfo, { pooling: 'none', normalize });
  const cache = opts.cache === null ? undefined : (opts.cache ?? (await EmbeddingCache.open(model)));
  const types = new Set<string>();
  for (const s of train) for (const t of s.tags) if (t !== 'O') types.add(t.slice(2));
  const labels = opts.labels ?? ['O', ...[...types].sort().flatMap((t) => [`B-${t}`, `I-${t}`])];
  const t0 = performance.now();
  const tr = await tokenDataset(engine, train, labels, normalize, cache, opts.onEmbedProgress);
  const dv = dev ? await tokenDataset(engine, dev, labels, normalize, cache) : undefined;
  const t1 = performance.now();
  const result = trainDense(tr, dv, {
    ...opts,
    kind: 'token',
    inputDim: engine.modelInfo.embeddingLength,
    outputDim: labels.length,
    metrics: (out, y, n) => headMetrics('token', out, y, n, labels.length),
  });
  const head = makeHead(result, {
    kind: 'token',
    labels,
    model,
    training: { sentences: train.length, tokens: tr.n, epochs: result.history.length, bestEpoch: result.bestEpoch, seed: opts.seed ?? 0 },
  });
  return { head, result, embedMs: t1 - t0, trainMs: performance.now() - t1 };
}
