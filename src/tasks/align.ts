/**
 * Aligns entity strings produced by a model to the text they came from. Each string is searched in the
 * processed text (left to right, whole words where the script uses spaces, never overlapping an entity already
 * placed), mapped back to the caller's original text through the offset map, and checked: an entity whose
 * original slice does not normalize back to the matched text is dropped, never returned with wrong offsets.
 */
import { normalize, type NormalizeStep } from '../preprocess/normalize.js';
import { mapSpan, type MappedText } from '../preprocess/offsets.js';

export interface EntityCandidate {
  text: string;
  label: string;
  score?: number;
}

export interface AlignedEntity {
  label: string;
  score: number;
  /** Offsets into the original text; word === original.slice(start, end). */
  start: number;
  end: number;
  word: string;
}

export interface AlignResult {
  entities: AlignedEntity[];
  dropped: { text: string; label: string; reason: string }[];
}

const WORD = /[\p{L}\p{N}_]/u;
const NO_SPACE_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;

function isBounded(text: string, s: number, e: number): boolean {
  const before = s > 0 ? text[s - 1]! : ' ';
  const after = e < text.length ? text[e]! : ' ';
  const first = text[s]!;
  const last = text[e - 1]!;
  const okStart = !WORD.test(before) || !WORD.test(first) || NO_SPACE_SCRIPT.test(first) || NO_SPACE_SCRIPT.test(before);
  const okEnd = !WORD.test(after) || !WORD.test(last) || NO_SPACE_SCRIPT.test(last) || NO_SPACE_SCRIPT.test(after);
  return okStart && okEnd;
}

function occurrences(hay: string, needle: string): number[] {
  const out: number[] = [];
  for (let i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + 1)) out.push(i);
  return out;
}

/**
 * Places entity strings in `processed` and maps them to the original text.
 *
 * @example
 * const m = normalize('Ｊｏｈｎ lives in Paris', ['nfkc'])
 * alignEntities(m, [{ text: 'John', label: 'PER' }], ['nfkc']).entities[0] // { start: 0, end: 4, word: 'Ｊｏｈｎ', … }
 */
export function alignEntities(processed: MappedText, candidates: readonly EntityCandidate[], steps: readonly NormalizeStep[]): AlignResult {
  const text = processed.text;
  const lower = text.toLowerCase();
  const caseless = lower.length === text.length;
  const used: [number, number][] = [];
  const free = (s: number, e: number) => used.every(([a, b]) => e <= a || s >= b);
  let cursor = 0;
  const entities: AlignedEntity[] = [];
  const dropped: AlignResult['dropped'] = [];
  for (const c of candidates) {
    const needle = normalize(c.text, steps).text.trim();
    if (!needle) {
      dropped.push({ text: c.text, label: c.label, reason: 'empty' });
      continue;
    }
    const pick = (hay: string, n: string): number | undefined => {
      const occ = occurrences(hay, n).filter((s) => free(s, s + n.length) && isBounded(text, s, s + n.length));
      return occ.find((s) => s >= cursor) ?? occ[0];
    };
    let s = pick(text, needle);
    if (s === undefined && caseless) s = pick(lower, needle.toLowerCase());
    if (s === undefined) {
      dropped.push({ text: c.text, label: c.label, reason: 'not found in the text' });
      continue;
    }
    const e = s + needle.length;
    const span = mapSpan(processed, s, e);
    const word = processed.original.slice(span.start, span.end);
    // The guarantee: the original slice normalizes back to exactly what was matched.
    const back = normalize(word, steps).text.trim();
    if (back !== text.slice(s, e).trim()) {
      dropped.push({ text: c.text, label: c.label, reason: 'offsets do not map back to the entity text' });
      continue;
    }
    used.push([s, e]);
    cursor = e;
    entities.push({ label: c.label, score: c.score ?? 1, start: span.start, end: span.end, word });
  }
  entities.sort((a, b) => a.start - b.start || a.end - b.end);
  return { entities, dropped };
}
