/**
 * Which input words mattered: occlusion by word (leave-one-word-out). Each word (a run of letters/digits, a CJK
 * character, or a punctuation mark) is removed in turn, the shortened text is re-embedded and re-scored, and the
 * word's importance is how much the predicted label's probability (or the regression value) drops:
 * importance = f(text) - f(text without the word). Positive: the word supported the prediction; negative: it
 * argued against it. It costs one embedding per word (batched, cached), is model-agnostic and exact for the head
 * at hand, unlike gradient x input, which only sees the head and not how the frozen model mixes the words.
 */
import type { Span } from './bio.js';

/** One word's contribution. */
export interface WordImportance {
  text: string;
  start: number;
  end: number;
  importance: number;
}

/** The explanation attached to a prediction. */
export interface Explanation {
  method: 'occlusion-word';
  /** The label (or output name) whose score was explained. */
  target: string;
  /** f(text) for the target. */
  baseline: number;
  /** The most important words, largest importance first. */
  words: WordImportance[];
  /** True when the text had more words than were occluded (only the first `maxWords` are tried). */
  truncated: boolean;
}

const UNIT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]|[\p{L}\p{M}\p{N}_'’-]+|[^\s]/gu;

/**
 * Splits text into occlusion units with their character spans.
 *
 * @example
 * wordUnits('not bad!') // [[0,3],[4,7],[7,8]]
 */
export function wordUnits(text: string): Span[] {
  const out: Span[] = [];
  for (const m of text.matchAll(UNIT)) out.push([m.index, m.index + m[0].length]);
  return out;
}

/**
 * The texts with one unit removed each (whitespace around the gap collapsed to one space).
 *
 * @example
 * occludedTexts('not bad', [[0,3],[4,7]]) // ['bad', 'not']
 */
export function occludedTexts(text: string, units: Span[]): string[] {
  return units.map(([s, e]) => `${text.slice(0, s).trimEnd()} ${text.slice(e).trimStart()}`.trim());
}

/**
 * Builds the explanation from the baseline score and the scores of the occluded texts.
 *
 * @example
 * rankWords('not bad', units, 'positive', 0.8, [0.3, 0.6], 5, false)
 */
export function rankWords(text: string, units: Span[], target: string, baseline: number, occluded: number[], topK: number, truncated: boolean): Explanation {
  const words = units.map(([start, end], i) => ({ text: text.slice(start, end), start, end, importance: baseline - (occluded[i] ?? baseline) }));
  words.sort((a, b) => b.importance - a.importance || a.start - b.start);
  return { method: 'occlusion-word', target, baseline, words: words.slice(0, topK), truncated };
}
