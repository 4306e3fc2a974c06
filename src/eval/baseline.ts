/**
 * A bag-of-words multinomial logistic regression (pure TS): the baseline every model number is shown next to.
 * Sparse binary features (unigrams + bigrams, L2-normalized), softmax, AdaGrad with L2, seeded shuffling.
 * `trainTokenTagger` reuses it per token (word, shape, affixes, neighbours) for NER baselines.
 */
import { InvalidArgumentError } from '../errors.js';
import { seededRandom } from '../util/random.js';

export interface BowOptions {
  epochs?: number;
  learningRate?: number;
  l2?: number;
  /** Drop features seen fewer times (default 1). */
  minCount?: number;
  /** 1 = unigrams, 2 = unigrams + bigrams (default 2). */
  ngrams?: 1 | 2;
  seed?: number;
}

type Sparse = { idx: Int32Array; val: Float32Array };

/**
 * Lower-cased word features of a text (unigrams, optionally bigrams).
 *
 * @example
 * bowFeatures('Great film!', 2) // ['great', 'film', '!', 'great film', 'film !']
 */
export function bowFeatures(text: string, ngrams: 1 | 2 = 2): string[] {
  const toks = text.toLowerCase().match(/[\p{L}\p{N}]+(?:'[\p{L}]+)?|[^\s\p{L}\p{N}]/gu) ?? [];
  const feats = [...toks];
  if (ngrams === 2) for (let i = 1; i < toks.length; i++) feats.push(`${toks[i - 1]} ${toks[i]}`);
  return feats;
}

/** A trained sparse softmax classifier over string features. */
export class SparseSoftmax {
  private constructor(
    readonly labels: string[],
    private readonly vocab: Map<string, number>,
    private readonly weights: Float32Array,
    private readonly bias: Float32Array,
  ) {}

  /**
   * Trains on feature lists.
   *
   * @example
   * const m = SparseSoftmax.train([['good'], ['bad']], ['pos', 'neg'])
   * m.predictProba([['good']])[0] // higher for 'pos'
   */
  static train(features: readonly string[][], labels: readonly string[], opts: BowOptions = {}): SparseSoftmax {
    if (features.length !== labels.length || features.length === 0) throw new InvalidArgumentError('labels', 'needs one label per example and at least one example');
    const classes = [...new Set(labels)].sort();
    const cls = new Map(classes.map((c, i) => [c, i]));
    const counts = new Map<string, number>();
    for (const f of features) for (const x of new Set(f)) counts.set(x, (counts.get(x) ?? 0) + 1);
    const vocab = new Map<string, number>();
    for (const [x, c] of counts) if (c >= (opts.minCount ?? 1)) vocab.set(x, vocab.size);
    const K = classes.length;
    const W = new Float32Array(vocab.size * K);
    const b = new Float32Array(K);
    const G = new Float32Array(vocab.size * K).fill(1e-8);
    const Gb = new Float32Array(K).fill(1e-8);
    const X = features.map((f) => encode(f, vocab));
    const y = labels.map((l) => cls.get(l)!);
    const lr = opts.learningRate ?? 0.5;
    const l2 = opts.l2 ?? 1e-5;
    const rand = seededRandom(opts.seed ?? 1);
    const order = X.map((_, i) => i);
    const z = new Float64Array(K);
    for (let ep = 0; ep < (opts.epochs ?? 8); ep++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      for (const n of order) {
        const x = X[n]!;
        logits(x, W, b, K, z);
        softmaxInPlace(z);
        z[y[n]!]! -= 1; // gradient of cross-entropy w.r.t. logits
        for (let k = 0; k < K; k++) {
          const g = z[k]!;
          Gb[k]! += g * g;
          b[k]! -= (lr * g) / Math.sqrt(Gb[k]!);
          for (let t = 0; t < x.idx.length; t++) {
            const w = x.idx[t]! * K + k;
            const gw = g * x.val[t]! + l2 * W[w]!;
            G[w]! += gw * gw;
            W[w]! -= (lr * gw) / Math.sqrt(G[w]!);
          }
        }
      }
    }
    return new SparseSoftmax(classes, vocab, W, b);
  }

  /** Class probabilities (order of `labels`) per example. */
  predictProba(features: readonly string[][]): number[][] {
    const K = this.labels.length;
    const z = new Float64Array(K);
    return features.map((f) => {
      logits(encode(f, this.vocab), this.weights, this.bias, K, z);
      softmaxInPlace(z);
      return Array.from(z);
    });
  }
}

function encode(f: readonly string[], vocab: Map<string, number>): Sparse {
  const ids = [...new Set(f.map((x) => vocab.get(x)).filter((i): i is number => i !== undefined))];
  const v = ids.length ? 1 / Math.sqrt(ids.length) : 0;
  return { idx: Int32Array.from(ids), val: new Float32Array(ids.length).fill(v) };
}

function logits(x: Sparse, W: Float32Array, b: Float32Array, K: number, out: Float64Array): void {
  for (let k = 0; k < K; k++) out[k] = b[k]!;
  for (let t = 0; t < x.idx.length; t++) {
    const base = x.idx[t]! * K;
    const v = x.val[t]!;
    for (let k = 0; k < K; k++) out[k]! += W[base + k]! * v;
  }
}

function softmaxInPlace(z: Float64Array): void {
  let m = -Infinity;
  for (const v of z) if (v > m) m = v;
  let s = 0;
  for (let k = 0; k < z.length; k++) {
    z[k] = Math.exp(z[k]! - m);
    s += z[k]!;
  }
  for (let k = 0; k < z.length; k++) z[k]! /= s;
}

/**
 * Bag-of-words logistic regression on raw texts.
 *
 * @example
 * const clf = BowLogisticRegression.train(trainTexts, trainLabels)
 * const probs = clf.predictProba(devTexts); const labels = clf.predict(devTexts)
 */
export class BowLogisticRegression {
  private constructor(
    private readonly model: SparseSoftmax,
    private readonly ngrams: 1 | 2,
  ) {}
  get labels(): string[] {
    return this.model.labels;
  }
  static train(texts: readonly string[], labels: readonly string[], opts: BowOptions = {}): BowLogisticRegression {
    const ngrams = opts.ngrams ?? 2;
    return new BowLogisticRegression(SparseSoftmax.train(texts.map((t) => bowFeatures(t, ngrams)), labels, opts), ngrams);
  }
  predictProba(texts: readonly string[]): number[][] {
    return this.model.predictProba(texts.map((t) => bowFeatures(t, this.ngrams)));
  }
  predict(texts: readonly string[]): string[] {
    return this.predictProba(texts).map((p) => this.labels[argmax(p)]!);
  }
}

/** Index of the largest value. */
export function argmax(xs: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i]! > xs[best]!) best = i;
  return best;
}

function shape(w: string): string {
  return w.replace(/\p{Lu}+/gu, 'X').replace(/\p{Ll}+/gu, 'x').replace(/\p{N}+/gu, 'd');
}

/** Per-token features for the tagger baseline. */
export function tokenFeatures(tokens: readonly string[], i: number): string[] {
  const w = tokens[i] ?? '';
  const lw = w.toLowerCase();
  const prev = (tokens[i - 1] ?? '<s>').toLowerCase();
  const next = (tokens[i + 1] ?? '</s>').toLowerCase();
  return [`w=${lw}`, `sh=${shape(w)}`, `p3=${lw.slice(0, 3)}`, `s3=${lw.slice(-3)}`, `cap=${/^\p{Lu}/u.test(w)}`, `pw=${prev}`, `nw=${next}`, `pw+w=${prev}|${lw}`, `first=${i === 0}`];
}

/**
 * Token-tagging logistic regression (one softmax per token over BIO tags), for NER baselines.
 *
 * @example
 * const tagger = trainTokenTagger(trainSentences); tagger(['Paris', 'is', 'nice']) // ['B-location', 'O', 'O']
 */
export function trainTokenTagger(sentences: readonly { tokens: string[]; tags: string[] }[], opts: BowOptions = {}): (tokens: readonly string[]) => string[] {
  const feats: string[][] = [];
  const tags: string[] = [];
  for (const s of sentences) s.tokens.forEach((_, i) => (feats.push(tokenFeatures(s.tokens, i)), tags.push(s.tags[i]!)));
  const m = SparseSoftmax.train(feats, tags, { epochs: 5, ...opts });
  return (tokens) => m.predictProba(tokens.map((_, i) => tokenFeatures(tokens, i))).map((p) => m.labels[argmax(p)]!);
}
