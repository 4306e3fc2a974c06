import { InvalidArgumentError } from '../errors.js';
import type { AddonEmbedEvent, AddonScoreEvent } from '../native/AddonTypes.js';
import type { EmbedResult, Pooling, ScoreResult } from './types.js';

const POOLING: Record<Pooling, number> = { none: 0, mean: 1, cls: 2, last: 3 };

/**
 * Pooling code for the addon: the requested one, else the model's `<arch>.pooling_type`, else mean.
 *
 * @example
 * poolingCode('last', {}, 'llama') // 3
 */
export function poolingCode(p: Pooling | undefined, metadata: Readonly<Record<string, string>>, arch: string): number {
  if (p !== undefined) {
    if (!(p in POOLING)) throw new InvalidArgumentError('pooling', "must be 'mean', 'cls', 'last' or 'none'");
    return POOLING[p];
  }
  const m = Number(metadata[`${arch}.pooling_type`]);
  return m === 1 || m === 2 || m === 3 ? m : 1;
}

function l2(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s);
  if (n > 0) for (let i = 0; i < v.length; i++) v[i] = v[i]! / n;
  return v;
}

/**
 * Builds EmbedResults from the native event (splitting per-token rows for pooling none).
 *
 * @example
 * embedResults(ev, 1, true)[0].embedding // Float32Array(dim), unit length
 */
export function embedResults(ev: AddonEmbedEvent, pooling: number, normalize: boolean): EmbedResult[] {
  return ev.vectors.map((v, i) => {
    const n = ev.nTokens[i] ?? 0;
    if (pooling === 0) {
      const rows: Float32Array[] = [];
      for (let k = 0; k < n; k++) {
        const r = v.slice(k * ev.dim, (k + 1) * ev.dim);
        rows.push(normalize ? l2(r) : r);
      }
      return { embedding: rows, tokens: n };
    }
    return { embedding: normalize ? l2(v) : v, tokens: n };
  });
}

/**
 * Tokenizes and validates score candidates: a non-empty array of strings, each with 1..maxTokens tokens.
 *
 * @example
 * validateCandidates([' yes', ' no'], (s) => model.tokenize(s), 512)
 */
export function validateCandidates(candidates: unknown, tokenize: (s: string) => number[], maxTokens: number): number[][] {
  if (!Array.isArray(candidates) || candidates.length === 0) throw new InvalidArgumentError('candidates', 'must be a non-empty array of strings');
  return candidates.map((c, i) => {
    if (typeof c !== 'string') throw new InvalidArgumentError(`candidates[${i}]`, 'must be a string');
    const t = tokenize(c);
    if (t.length === 0) throw new InvalidArgumentError(`candidates[${i}]`, 'has no tokens');
    if (t.length > maxTokens) throw new InvalidArgumentError(`candidates[${i}]`, `has ${t.length} tokens; at most nBatch (${maxTokens})`);
    return t;
  });
}

function softmax(xs: number[]): number[] {
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

/**
 * Turns per-token candidate logprobs into a ScoreResult with both softmaxes.
 *
 * @example
 * scoreResult([' a', ' b'], [[1], [2]], ev).probs // [p_a, p_b]
 */
export function scoreResult(candidates: string[], tokens: number[][], ev: AddonScoreEvent): ScoreResult {
  const scored = candidates.map((candidate, i) => {
    const lps = Array.from(ev.candLogprobs[i] ?? []);
    const logprob = lps.reduce((a, b) => a + b, 0);
    return { candidate, tokens: tokens[i] ?? [], tokenLogprobs: lps, logprob, normalizedLogprob: logprob / Math.max(1, lps.length) };
  });
  return {
    candidates: scored,
    probs: softmax(scored.map((c) => c.logprob)),
    normalizedProbs: softmax(scored.map((c) => c.normalizedLogprob)),
    prefixTokens: ev.promptTokens,
    timings: { queuedMs: ev.queuedMs, evalMs: ev.evalMs },
  };
}
