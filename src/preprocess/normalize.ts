/**
 * Normalization steps, each returning a {@link MappedText} so positions map back to the caller's text.
 * `normalize(text, steps)` runs several steps in order and composes their maps.
 */
import { compose, identity, MapBuilder, type MappedText } from './offsets.js';
import { InvalidArgumentError } from '../errors.js';

export type NormalizeStep = 'nfkc' | 'whitespace' | 'invisible' | 'html';
export const NORMALIZE_STEPS: readonly NormalizeStep[] = Object.freeze(['nfkc', 'whitespace', 'invisible', 'html']);

const graphemes = new Intl.Segmenter('und', { granularity: 'grapheme' });

/**
 * Unicode NFKC, mapped per grapheme cluster: each output unit points at the cluster it came from ("ﬁ" → "fi",
 * both letters map to the ligature). Clusters whose NFKC depends on their neighbours are merged until the
 * concatenation equals `text.normalize('NFKC')` exactly.
 *
 * @example
 * const m = nfkc('Ｈｅｌｌｏ ﬁne'); m.text // 'Hello fine'
 */
export function nfkc(text: string): MappedText {
  const full = text.normalize('NFKC');
  const b = new MapBuilder(text);
  const bounds: number[] = [];
  for (const seg of graphemes.segment(text)) bounds.push(seg.index);
  bounds.push(text.length);
  let pos = 0; // position in `full`
  let k = 0;
  while (k < bounds.length - 1) {
    const from = bounds[k]!;
    let j = k + 1;
    let piece = text.slice(from, bounds[j]!).normalize('NFKC');
    // Merge with the following clusters until the piece lines up with the whole-text normalization.
    while (!full.startsWith(piece, pos) || !aligned(full, pos + piece.length, text, bounds, j)) {
      if (j >= bounds.length - 1) {
        piece = full.slice(pos);
        break;
      }
      j++;
      piece = text.slice(from, bounds[j]!).normalize('NFKC');
    }
    if (from === bounds[k] && piece === text.slice(from, bounds[j]!)) b.copy(from, bounds[j]!);
    else b.push(piece, from, bounds[j]!);
    pos += piece.length;
    k = j;
  }
  const out = b.build();
  if (out.text !== full) throw new Error('nfkc: offset map out of sync'); // cannot happen: last piece takes the rest
  return out;
}

/** True when what remains of `full` after `at` starts with the NFKC of the next cluster (or nothing is left). */
function aligned(full: string, at: number, text: string, bounds: number[], j: number): boolean {
  if (j >= bounds.length - 1) return at === full.length;
  const next = text.slice(bounds[j]!, bounds[j + 1]!).normalize('NFKC');
  return full.startsWith(next, at) || next.length === 0;
}

const WS = /\s/u;

/**
 * Folds every run of whitespace into one space (mapped to the whole run) and trims both ends.
 *
 * @example
 * foldWhitespace('  a \n\t b ').text // 'a b'
 */
export function foldWhitespace(text: string): MappedText {
  const b = new MapBuilder(text);
  let i = 0;
  const n = text.length;
  while (i < n && WS.test(text[i]!)) i++;
  let end = n;
  while (end > i && WS.test(text[end - 1]!)) end--;
  while (i < end) {
    if (WS.test(text[i]!)) {
      let j = i;
      while (j < end && WS.test(text[j]!)) j++;
      if (j - i === 1 && text[i] === ' ') b.copy(i, j);
      else b.push(' ', i, j);
      i = j;
    } else {
      let j = i;
      while (j < end && !WS.test(text[j]!)) j++;
      b.copy(i, j);
      i = j;
    }
  }
  return b.build();
}

// Control characters except tab/newline/CR, format characters except ZWJ (emoji sequences need it),
// and the invisible fillers that are not in Cf.
const INVISIBLE = /[\p{Cc}\p{Cf}\u115F\u1160\u3164\uFFA0\u2800]/u;
const KEEP = new Set(['\t', '\n', '\r', '\u200D']);

/**
 * Removes control and invisible characters (zero-width spaces, BOM, bidi marks, soft hyphens, C0/C1 controls
 * other than tab and newlines). Zero-width joiners are kept so emoji sequences survive.
 *
 * @example
 * removeInvisible('a\u200Bb\u00ADc').text // 'abc'
 */
export function removeInvisible(text: string): MappedText {
  const b = new MapBuilder(text);
  let runStart = 0;
  let i = 0;
  while (i < text.length) {
    const cp = text.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    const w = ch.length;
    if (INVISIBLE.test(ch) && !KEEP.has(ch)) {
      b.copy(runStart, i);
      runStart = i + w;
    }
    i += w;
  }
  b.copy(runStart, text.length);
  return b.build();
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00A0', '#39': "'" };
const BLOCK = /^(br|p|div|li|ul|ol|tr|td|th|h[1-6]|table|section|article|header|footer|blockquote|pre|hr)$/i;
const TAG = /<!--[\s\S]*?-->|<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>|<\/?([a-zA-Z][\w:-]*)\b[^>]*>|&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});/g;

/**
 * Strips HTML: comments, script and style elements and tags go away (block tags become one space, mapped to
 * the tag), and character references are decoded (each decoded character maps to its reference).
 *
 * @example
 * stripHtml('<p>Fish &amp; chips</p>').text // ' Fish & chips '
 */
export function stripHtml(text: string): MappedText {
  const b = new MapBuilder(text);
  let last = 0;
  for (const m of text.matchAll(TAG)) {
    const at = m.index;
    const end = at + m[0].length;
    b.copy(last, at);
    const ref = m[3];
    if (ref !== undefined) {
      const decoded = decodeEntity(ref);
      if (decoded === undefined) b.copy(at, end);
      else b.push(decoded, at, end);
    } else if (m[2] !== undefined && BLOCK.test(m[2])) {
      b.push(' ', at, end);
    }
    last = end;
  }
  b.copy(last, text.length);
  return b.build();
}

function decodeEntity(ref: string): string | undefined {
  if (ref.startsWith('#')) {
    const cp = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    if (!Number.isFinite(cp) || cp <= 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
    return String.fromCodePoint(cp);
  }
  return ENTITIES[ref.toLowerCase()];
}

const STEP_FNS: Record<NormalizeStep, (text: string) => MappedText> = {
  html: stripHtml,
  invisible: removeInvisible,
  nfkc,
  whitespace: foldWhitespace,
};

/**
 * Runs the given steps in order and composes their maps (the result maps into `text`).
 * Recommended order: html, invisible, nfkc, whitespace.
 *
 * @example
 * const m = normalize('<b>Ｔｏｋｙｏ</b>\u200B  tower', ['html', 'invisible', 'nfkc', 'whitespace'])
 * m.text // 'Tokyo tower'
 */
export function normalize(text: string, steps: readonly NormalizeStep[]): MappedText {
  let m = identity(text);
  for (const step of steps) {
    const fn = STEP_FNS[step];
    if (!fn) throw new InvalidArgumentError('steps', `unknown normalization step '${String(step)}'`);
    m = compose(m, fn(m.text));
  }
  return m;
}
