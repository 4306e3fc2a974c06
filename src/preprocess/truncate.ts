/**
 * Token-budget truncation and chunking with the model's own tokenizer. Cuts are found by binary search on
 * character positions (never inside a surrogate pair), so every kept piece is a slice of the input and the
 * offset map stays exact.
 */
import { concatMapped, identity, sliceMapped, type MappedText } from './offsets.js';
import { InvalidArgumentError } from '../errors.js';

/** Counts tokens: the engine's `tokenize` (without special tokens) fits. */
export type TokenizeFn = (text: string) => number[];
export type TruncateStrategy = 'head' | 'tail' | 'middle';

export interface TruncateOptions {
  maxTokens: number;
  /** head keeps the beginning, tail keeps the end, middle keeps both ends and drops the middle. Default head. */
  strategy?: TruncateStrategy;
  tokenize: TokenizeFn;
  /** Inserted where `middle` dropped text (default ' … '); counts against the budget. */
  ellipsis?: string;
}

export interface TruncateResult {
  text: MappedText;
  truncated: boolean;
  /** Tokens of the input and of the kept text. */
  inputTokens: number;
  outputTokens: number;
}

function snap(text: string, i: number): number {
  if (i > 0 && i < text.length) {
    const c = text.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff) return i - 1;
  }
  return i;
}

/** Largest prefix length (in code units) whose token count is ≤ budget; never splits a surrogate pair. */
function prefixFitting(text: string, budget: number, tokenize: TokenizeFn): number {
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (tokenize(text.slice(0, mid)).length <= budget) lo = mid;
    else hi = mid - 1;
  }
  return snap(text, lo);
}

/** Smallest start whose suffix has ≤ budget tokens; never splits a surrogate pair. */
function suffixFitting(text: string, budget: number, tokenize: TokenizeFn): number {
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (tokenize(text.slice(mid)).length <= budget) hi = mid;
    else lo = mid + 1;
  }
  const c = text.charCodeAt(lo);
  return lo < text.length && c >= 0xdc00 && c <= 0xdfff ? lo + 1 : lo;
}

/**
 * Truncates `input` (a plain string or an already mapped text) to `maxTokens` tokens.
 *
 * @example
 * const r = truncate('one two three four', { maxTokens: 2, strategy: 'tail', tokenize: t => t.split(' ').filter(Boolean).map(() => 0) })
 * r.text.text // 'three four' (or ' three four', depending on where the tokenizer puts spaces)
 */
export function truncate(input: string | MappedText, opts: TruncateOptions): TruncateResult {
  const m = typeof input === 'string' ? identity(input) : input;
  const { maxTokens, tokenize } = opts;
  const strategy = opts.strategy ?? 'head';
  if (!Number.isInteger(maxTokens) || maxTokens < 1) throw new InvalidArgumentError('maxTokens', 'must be a positive integer');
  if (!['head', 'tail', 'middle'].includes(strategy)) throw new InvalidArgumentError('strategy', `must be head, tail or middle, got '${strategy}'`);
  const inputTokens = tokenize(m.text).length;
  if (inputTokens <= maxTokens) return { text: m, truncated: false, inputTokens, outputTokens: inputTokens };
  let out: MappedText;
  if (strategy === 'head') {
    out = sliceMapped(m, 0, prefixFitting(m.text, maxTokens, tokenize));
  } else if (strategy === 'tail') {
    out = sliceMapped(m, suffixFitting(m.text, maxTokens, tokenize), m.text.length);
  } else {
    const ellipsis = opts.ellipsis ?? ' … ';
    const budget = Math.max(2, maxTokens - tokenize(ellipsis).length);
    const headLen = prefixFitting(m.text, Math.ceil(budget / 2), tokenize);
    const tailStart = Math.max(headLen, suffixFitting(m.text, Math.floor(budget / 2), tokenize));
    out = concatMapped([sliceMapped(m, 0, headLen), sliceMapped(m, tailStart, m.text.length)], ellipsis);
    // The tokenizer may merge across the join; shave the tail until the whole fits.
    let t = tailStart;
    while (tokenize(out.text).length > maxTokens && t < m.text.length) {
      t += 1;
      if (t < m.text.length && m.text.charCodeAt(t) >= 0xdc00 && m.text.charCodeAt(t) <= 0xdfff) t += 1;
      out = concatMapped([sliceMapped(m, 0, headLen), sliceMapped(m, Math.min(t, m.text.length), m.text.length)], ellipsis);
    }
  }
  return { text: out, truncated: true, inputTokens, outputTokens: tokenize(out.text).length };
}

export interface ChunkOptions {
  maxTokens: number;
  /** Tokens shared by consecutive chunks (default 0; must be < maxTokens). */
  overlapTokens?: number;
  tokenize: TokenizeFn;
}

/** One chunk: its mapped text and its span in the chunked text. */
export interface Chunk {
  text: MappedText;
  /** Span in the text that was chunked (not the original; use mapSpan on `text` for that). */
  start: number;
  end: number;
}

function preferBreak(text: string, from: number, end: number): number {
  if (end >= text.length) return end;
  // Back off to the last whitespace in the final fifth of the chunk, so words stay whole.
  const min = from + Math.floor((end - from) * 0.8);
  for (let i = end; i > min; i--) if (/\s/.test(text[i - 1]!)) return i;
  return end;
}

/**
 * Splits a long text into chunks of at most `maxTokens` tokens with `overlapTokens` of overlap.
 *
 * @example
 * const chunks = chunk(longText, { maxTokens: 256, overlapTokens: 32, tokenize: t => engine.tokenize(t) })
 */
export function chunk(input: string | MappedText, opts: ChunkOptions): Chunk[] {
  const m = typeof input === 'string' ? identity(input) : input;
  const overlap = opts.overlapTokens ?? 0;
  if (!Number.isInteger(opts.maxTokens) || opts.maxTokens < 1) throw new InvalidArgumentError('maxTokens', 'must be a positive integer');
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= opts.maxTokens) {
    throw new InvalidArgumentError('overlapTokens', 'must be an integer in [0, maxTokens)');
  }
  const text = m.text;
  const chunks: Chunk[] = [];
  let from = 0;
  while (from < text.length) {
    const rest = text.slice(from);
    let len = prefixFitting(rest, opts.maxTokens, opts.tokenize);
    // One character even if it alone exceeds the budget, so chunking always advances.
    if (len === 0) len = String.fromCodePoint(rest.codePointAt(0)!).length;
    let end = from + len;
    end = preferBreak(text, from, end);
    chunks.push({ text: sliceMapped(m, from, end), start: from, end });
    if (end >= text.length) break;
    let next = end;
    if (overlap > 0) next = from + suffixFitting(text.slice(from, end), overlap, opts.tokenize);
    from = next > from ? next : end;
  }
  return chunks;
}

export type Aggregation = 'max' | 'mean' | 'vote';

/**
 * Aggregates per-chunk probability vectors into one distribution: `mean` averages, `max` takes each label's
 * maximum and renormalizes, `vote` counts each chunk's top label (ties broken by the mean probability).
 *
 * @example
 * aggregate([[0.9, 0.1], [0.4, 0.6]], 'mean') // [0.65, 0.35]
 */
export function aggregate(probs: readonly (readonly number[])[], method: Aggregation): number[] {
  const first = probs[0];
  if (!first) throw new InvalidArgumentError('probs', 'needs at least one chunk');
  const k = first.length;
  const mean = new Array<number>(k).fill(0);
  for (const p of probs) for (let i = 0; i < k; i++) mean[i]! += (p[i] ?? 0) / probs.length;
  if (method === 'mean') return mean;
  if (method === 'max') {
    const mx = new Array<number>(k).fill(0);
    for (const p of probs) for (let i = 0; i < k; i++) mx[i] = Math.max(mx[i]!, p[i] ?? 0);
    const s = mx.reduce((a, b) => a + b, 0);
    return s > 0 ? mx.map((v) => v / s) : mean;
  }
  if (method === 'vote') {
    const votes = new Array<number>(k).fill(0);
    for (const p of probs) {
      let best = 0;
      for (let i = 1; i < k; i++) if ((p[i] ?? 0) > (p[best] ?? 0)) best = i;
      votes[best]!++;
    }
    // Votes decide; a tiny share of the mean breaks ties without changing the ranking otherwise.
    const eps = 1e-6;
    const raw = votes.map((v, i) => v / probs.length + eps * mean[i]!);
    const s = raw.reduce((a, b) => a + b, 0);
    return raw.map((v) => v / s);
  }
  throw new InvalidArgumentError('aggregate', `unknown aggregation '${String(method)}'`);
}
