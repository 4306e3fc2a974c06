/**
 * Personalised recommendation on frozen embeddings: a user profile is the weighted mean of the embeddings of
 * texts the user engaged with; candidates are ranked by cosine similarity to it, optionally blended with a
 * sigmoid head trained on click labels over pair features (profile ⊙ item, element-wise).
 */
import type { EngineLike, Pooling } from '../../engine/types.js';
import { InvalidArgumentError } from '../../errors.js';
import { EmbeddingCache, embedMany } from '../../tasks/heads/embedCache.js';
import { headOutputs, makeHead, type Head } from '../../tasks/heads/head.js';
import type { ModelIdentity } from '../../tasks/heads/identity.js';
import { trainDense, type TrainOptions } from '../../tasks/heads/train.js';

/** Embeds texts into one vector each. */
export type Embedder = (texts: string[]) => Promise<Float32Array[]>;

/** A candidate item. */
export interface Item {
  id: string;
  text: string;
}

/** A ranked candidate. */
export interface Ranked {
  id: string;
  text: string;
  /** Final score: similarity, or (1 - alpha) · similarity + alpha · click when a head is set. */
  score: number;
  /** Cosine similarity to the profile (-1..1). */
  similarity: number;
  /** Click probability from the head, when there is one. */
  click?: number;
}

/** One engagement: a text and its weight (e.g. 1 click, 3 purchase, -1 dismissed). */
export type HistoryEntry = string | { text: string; weight: number };

/** One click-label example for training the head. */
export interface ClickExample {
  history: HistoryEntry[];
  item: string;
  clicked: boolean;
}

/**
 * An Embedder over an engine (pooled, normalized, cached).
 *
 * @example
 * const embed = engineEmbedder(engine, { cache: await EmbeddingCache.open(id) })
 */
export function engineEmbedder(engine: Pick<EngineLike, 'embed'>, opts: { pooling?: Pooling; cache?: EmbeddingCache } = {}): Embedder {
  return async (texts) => {
    const rows = await embedMany(engine, texts, { pooling: opts.pooling ?? 'mean', normalize: true, cache: opts.cache });
    return rows.map((r) => r[0] ?? new Float32Array(0));
  };
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] as number) * (b[i] as number);
    na += (a[i] as number) ** 2;
    nb += (b[i] as number) ** 2;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

/**
 * Element-wise product of profile and item: the click head's input.
 *
 * @example
 * pairFeatures(profile, item) // Float64Array(n_embd)
 */
export function pairFeatures(profile: ArrayLike<number>, item: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: profile.length }, (_, i) => (profile[i] as number) * (item[i] as number));
}

/**
 * @example
 * const rec = new Recommender(engineEmbedder(engine))
 * const profile = await rec.profile(['ETF fees explained', { text: 'index funds for beginners', weight: 2 }])
 * const top = await rec.rank(profile, items, { topK: 5 })
 */
export class Recommender {
  constructor(
    private readonly embed: Embedder,
    private readonly opts: { head?: Head; alpha?: number } = {},
  ) {
    const a = opts.alpha ?? 0.5;
    if (!(a >= 0 && a <= 1)) throw new InvalidArgumentError('alpha', 'must be within 0..1');
    if (opts.head && (opts.head.kind !== 'sigmoid' || opts.head.labels.length !== 1)) {
      throw new InvalidArgumentError('head', 'a click head is a sigmoid head with one label');
    }
  }

  /** The weighted mean of the history's embeddings. */
  async profile(history: HistoryEntry[]): Promise<Float32Array> {
    if (history.length === 0) throw new InvalidArgumentError('history', 'needs at least one entry');
    const entries = history.map((h) => (typeof h === 'string' ? { text: h, weight: 1 } : h));
    const vecs = await this.embed(entries.map((e) => e.text));
    const dim = vecs[0]?.length ?? 0;
    const p = new Float32Array(dim);
    vecs.forEach((v, j) => {
      for (let i = 0; i < dim; i++) p[i] = p[i]! + entries[j]!.weight * v[i]!;
    });
    return p;
  }

  /** Scores and sorts candidates (best first); ties keep input order. */
  async rank(profile: Float32Array | HistoryEntry[], items: Item[], opts: { topK?: number } = {}): Promise<Ranked[]> {
    const p = profile instanceof Float32Array ? profile : await this.profile(profile);
    const vecs = await this.embed(items.map((i) => i.text));
    const alpha = this.opts.alpha ?? 0.5;
    const head = this.opts.head;
    const ranked = items.map((it, i) => {
      const similarity = cosine(p, vecs[i]!);
      if (!head) return { id: it.id, text: it.text, score: similarity, similarity };
      const click = headOutputs(head, pairFeatures(p, vecs[i]!))[0]!;
      return { id: it.id, text: it.text, score: (1 - alpha) * similarity + alpha * click, similarity, click };
    });
    return ranked.map((r, i) => ({ r, i })).sort((a, b) => b.r.score - a.r.score || a.i - b.i).map((x) => x.r).slice(0, opts.topK ?? ranked.length);
  }
}

/**
 * Trains the click head: a one-label sigmoid head over pair features of (history profile, item).
 *
 * @example
 * const head = await trainClickHead(embed, examples, { model: identity, epochs: 50 })
 * const rec = new Recommender(embed, { head, alpha: 0.5 })
 */
export async function trainClickHead(
  embed: Embedder,
  examples: ClickExample[],
  opts: Omit<TrainOptions, 'kind' | 'inputDim' | 'outputDim'> & { model: ModelIdentity },
): Promise<Head> {
  if (examples.length === 0) throw new InvalidArgumentError('examples', 'needs at least one click example');
  const rec = new Recommender(embed);
  const feats: Float64Array[] = [];
  for (const ex of examples) {
    const p = await rec.profile(ex.history);
    const [v] = await embed([ex.item]);
    feats.push(pairFeatures(p, v!));
  }
  const dim = feats[0]!.length;
  const X = new Float64Array(examples.length * dim);
  feats.forEach((f, i) => X.set(f, i * dim));
  const Y = Float64Array.from(examples, (e) => (e.clicked ? 1 : 0));
  const { model, ...train } = opts;
  const res = trainDense({ X, Y, n: examples.length }, undefined, { ...train, kind: 'sigmoid', inputDim: dim, outputDim: 1 });
  return makeHead(res, { kind: 'sigmoid', labels: ['click'], model, training: { examples: examples.length, epochs: res.history.length } });
}
