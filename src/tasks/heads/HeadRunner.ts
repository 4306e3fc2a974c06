/**
 * Runs a trained head on text: embed (cached) -> head -> labels with all probabilities, entities or values,
 * plus an optional occlusion explanation. This is what `onramp run/eval --head` and task packs with a `head`
 * call.
 */
import type { EngineLike } from '../../engine/types.js';
import { decodeBio, tokenCharOffsets, type Entity } from './bio.js';
import { EmbeddingCache, embedMany, type EmbeddingRows } from './embedCache.js';
import { occludedTexts, rankWords, wordUnits, type Explanation } from './explain.js';
import { headOutputs, loadHead, type Head } from './head.js';
import { assertSameModel, modelIdentity } from './identity.js';

/** A label and its probability. */
export interface LabelScore {
  label: string;
  score: number;
}

/** What a head predicts for one text; `scores` always carries every label's probability, best first. */
export type HeadPrediction =
  | { kind: 'softmax'; label: string; score: number; scores: LabelScore[]; explanation?: Explanation }
  | { kind: 'sigmoid'; labels: string[]; scores: LabelScore[]; explanation?: Explanation }
  | { kind: 'linear'; value: number; values: Record<string, number>; explanation?: Explanation }
  | { kind: 'token'; entities: Entity[] };

export interface HeadRunnerOptions {
  /** Embedding cache; default: the on-disk cache of the model; null: no cache. */
  cache?: EmbeddingCache | null;
  /** Check the model file's hash against the head (default true; hashing is cached by path+size+mtime). */
  verify?: boolean;
}

export interface PredictOptions {
  /** Attach an occlusion explanation with this many words (true = 5). Not for token heads. */
  explain?: boolean | number;
  /** At most this many words are occluded per text (default 48). */
  maxWords?: number;
  signal?: AbortSignal;
}

/**
 * Turns head outputs into a prediction (no explanation).
 *
 * @example
 * outputsToPrediction(head, headOutputs(head, vec))
 */
export function outputsToPrediction(head: Head, out: Float64Array): Exclude<HeadPrediction, { kind: 'token' }> {
  const scores = head.labels.map((label, i) => ({ label, score: out[i]! }));
  if (head.kind === 'linear') {
    return { kind: 'linear', value: out[0]!, values: Object.fromEntries(scores.map((s) => [s.label, s.score])) };
  }
  const sorted = [...scores].sort((a, b) => b.score - a.score);
  if (head.kind === 'sigmoid') return { kind: 'sigmoid', labels: sorted.filter((s) => s.score >= head.threshold).map((s) => s.label), scores: sorted };
  return { kind: 'softmax', label: sorted[0]!.label, score: sorted[0]!.score, scores: sorted };
}

/**
 * A head bound to an engine.
 *
 * @example
 * const runner = await HeadRunner.create(engine, 'head.json')
 * const [p] = await runner.predict(['where is my card?'], { explain: true })
 * if (p.kind === 'softmax') console.log(p.label, p.scores, p.explanation?.words)
 */
export class HeadRunner {
  private constructor(
    readonly engine: EngineLike,
    readonly head: Head,
    private readonly cache: EmbeddingCache | undefined,
  ) {}

  /** Binds a head (or a head file) to an engine, refusing a head trained on another model. */
  static async create(engine: EngineLike, head: Head | string, opts: HeadRunnerOptions = {}): Promise<HeadRunner> {
    const h = typeof head === 'string' ? await loadHead(head) : head;
    const pooling = h.kind === 'token' ? 'none' : h.model.pooling;
    if (opts.verify ?? true) {
      assertSameModel(h.model, await modelIdentity(engine.modelInfo, { pooling: h.model.pooling, normalize: h.model.normalize }));
    }
    const cache = opts.cache === null ? undefined : (opts.cache ?? (await EmbeddingCache.open({ ...h.model, pooling })));
    return new HeadRunner(engine, h, cache);
  }

  private embed(texts: string[], signal?: AbortSignal): Promise<EmbeddingRows[]> {
    const { model, kind } = this.head;
    return embedMany(this.engine, texts, {
      pooling: kind === 'token' ? 'none' : model.pooling,
      normalize: model.normalize,
      cache: this.cache,
      ...(signal ? { signal } : {}),
    });
  }

  /** Predicts each text. */
  async predict(texts: string[], opts: PredictOptions = {}): Promise<HeadPrediction[]> {
    if (this.head.kind === 'token') return this.predictTokens(texts, opts.signal);
    const rows = await this.embed(texts, opts.signal);
    const preds: HeadPrediction[] = rows.map((r) => outputsToPrediction(this.head, headOutputs(this.head, r[0] ?? new Float32Array(this.head.params.inputDim))));
    if (opts.explain) {
      const topK = opts.explain === true ? 5 : opts.explain;
      for (let i = 0; i < texts.length; i++) {
        const p = preds[i]! as Exclude<HeadPrediction, { kind: 'token' }>;
        p.explanation = await this.explain(texts[i]!, p, topK, opts.maxWords ?? 48, opts.signal);
      }
    }
    return preds;
  }

  private async explain(text: string, p: Exclude<HeadPrediction, { kind: 'token' }>, topK: number, maxWords: number, signal?: AbortSignal): Promise<Explanation> {
    const all = wordUnits(text);
    const units = all.slice(0, maxWords);
    const target = p.kind === 'softmax' ? p.label : p.kind === 'sigmoid' ? p.scores[0]!.label : this.head.labels[0]!;
    const idx = this.head.labels.indexOf(target);
    const baseline = p.kind === 'linear' ? p.value : p.scores[0]!.score;
    const rows = await this.embed(occludedTexts(text, units), signal);
    const occluded = rows.map((r) => headOutputs(this.head, r[0] ?? new Float32Array(this.head.params.inputDim))[idx]!);
    return rankWords(text, units, target, baseline, occluded, topK, all.length > units.length);
  }

  private async predictTokens(texts: string[], signal?: AbortSignal): Promise<HeadPrediction[]> {
    const rows = await this.embed(texts, signal);
    return texts.map((text, i) => {
      const { offsets } = tokenCharOffsets(this.engine, text);
      const vecs = rows[i]!;
      // embed() may or may not return a vector for BOS: align the vectors with the last tokens
      const shift = offsets.length - vecs.length;
      const probs = offsets.map((_, t) => {
        const v = vecs[t - shift];
        return v ? headOutputs(this.head, v) : new Float64Array(this.head.labels.length);
      });
      return { kind: 'token' as const, entities: decodeBio(text, offsets, probs, this.head.labels) };
    });
  }
}
