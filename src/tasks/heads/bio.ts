/**
 * Token classification plumbing: token -> character offset maps, word-level BIO tags projected onto tokens (for
 * training), and BIO decoding of per-token tag probabilities into entities with character offsets (Hugging Face
 * token-classification shape with aggregation "simple").
 */
import type { EngineLike } from '../../engine/types.js';

/** A [start, end) character span into the caller's text; special tokens (BOS) get a zero-width span. */
export type Span = [number, number];

/** An entity, Hugging Face style. */
export interface Entity {
  entity_group: string;
  /** Mean probability of the chosen tags over the entity's tokens. */
  score: number;
  word: string;
  start: number;
  end: number;
}

/**
 * Tokenizes `text` (with special tokens, as embed() does) and maps each token to its character span, by
 * decoding growing prefixes and matching each new piece in the text. Tokens that complete a multi-byte character
 * together share its span.
 *
 * @example
 * const { tokens, offsets } = tokenCharOffsets(engine, 'Pay 20 EUR')
 */
export function tokenCharOffsets(engine: Pick<EngineLike, 'tokenize' | 'detokenize'>, text: string): { tokens: number[]; offsets: Span[] } {
  const tokens = engine.tokenize(text, { addSpecial: true });
  const offsets: Span[] = [];
  let prev = '';
  let cursor = 0;
  let pending: number[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const cur = engine.detokenize(tokens.slice(0, i + 1));
    pending.push(i);
    if (cur.endsWith('\uFFFD') || !cur.startsWith(prev)) continue;
    const piece = cur.slice(prev.length).trimStart();
    prev = cur;
    let span: Span = [cursor, cursor];
    if (piece.length > 0) {
      const at = text.indexOf(piece, cursor);
      if (at >= 0 && text.slice(cursor, at).trim() === '') {
        span = [at, at + piece.length];
        cursor = at + piece.length;
      }
    }
    for (const p of pending) offsets[p] = span;
    pending = [];
  }
  for (const p of pending) offsets[p] = [cursor, cursor];
  return { tokens, offsets };
}

/**
 * Projects word-level BIO tags onto tokens: the first token touching a B- word is B-, later tokens of it and
 * tokens of I- words are I-, everything else (including zero-width special tokens) is O.
 *
 * @example
 * alignWordTags([[0, 4], [5, 10]], ['B-PER', 'O'], tokenOffsets) // ['O', 'B-PER', 'I-PER', 'O']
 */
export function alignWordTags(wordSpans: Span[], wordTags: string[], tokenOffsets: Span[]): string[] {
  const tags: string[] = [];
  let lastWord = -1;
  let w = 0;
  for (const [s, e] of tokenOffsets) {
    if (e <= s) {
      tags.push('O');
      continue;
    }
    while (w < wordSpans.length && wordSpans[w]![1] <= s) w++;
    const span = wordSpans[w];
    const tag = wordTags[w] ?? 'O';
    if (!span || span[0] >= e || tag === 'O') {
      tags.push('O');
      continue;
    }
    const type = tag.slice(2);
    tags.push(tag.startsWith('B-') && lastWord !== w ? `B-${type}` : `I-${type}`);
    lastWord = w;
  }
  return tags;
}

/**
 * Decodes per-token tag probabilities into entities. An entity starts at B-X (or at an I-X that does not continue
 * an X entity) and extends over following I-X tokens; zero-width tokens are skipped.
 *
 * @example
 * decodeBio(text, offsets, probs, ['O', 'B-PER', 'I-PER']) // [{ entity_group: 'PER', word: 'Anna', ... }]
 */
export function decodeBio(text: string, offsets: Span[], probs: Float64Array[], labels: string[]): Entity[] {
  const out: Entity[] = [];
  let cur: { type: string; start: number; end: number; scores: number[] } | null = null;
  const flush = (): void => {
    if (cur) out.push({ entity_group: cur.type, score: cur.scores.reduce((a, b) => a + b, 0) / cur.scores.length, word: text.slice(cur.start, cur.end), start: cur.start, end: cur.end });
    cur = null;
  };
  for (let t = 0; t < offsets.length; t++) {
    const [s, e] = offsets[t]!;
    const p = probs[t];
    if (!p || e <= s) continue;
    let best = 0;
    for (let k = 1; k < p.length; k++) if (p[k]! > p[best]!) best = k;
    const tag = labels[best] ?? 'O';
    const type = tag.length > 2 ? tag.slice(2) : '';
    if (tag.startsWith('I-') && cur && (cur as { type: string }).type === type) {
      const c = cur as { end: number; scores: number[] };
      c.end = e;
      c.scores.push(p[best]!);
    } else if (tag.startsWith('B-') || tag.startsWith('I-')) {
      flush();
      cur = { type, start: s, end: e, scores: [p[best]!] };
    } else flush();
  }
  flush();
  return out;
}
