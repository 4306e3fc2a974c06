/**
 * Offset maps: every processed text remembers, for each of its UTF-16 code units, the span of the caller's
 * original text it came from. Maps compose across steps, so a span found in the final text (an entity, a
 * safety finding) maps straight back to the input the caller gave us.
 */

/** A processed text plus its map back to the original. `start[i]..end[i]` is the origin of `text[i]`. */
export interface MappedText {
  /** The processed text. */
  readonly text: string;
  /** The original text the map points into. */
  readonly original: string;
  /** Origin start (inclusive) of each processed code unit; length = text.length. */
  readonly start: Int32Array;
  /** Origin end (exclusive) of each processed code unit; length = text.length. */
  readonly end: Int32Array;
}

/**
 * The identity map of a text.
 *
 * @example
 * const m = identity('abc'); mapSpan(m, 1, 2) // { start: 1, end: 2 }
 */
export function identity(text: string): MappedText {
  const n = text.length;
  const start = new Int32Array(n);
  const end = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    start[i] = i;
    end[i] = i + 1;
  }
  return { text, original: text, start, end };
}

/**
 * Incremental builder used by the normalization steps: append output pieces with the input span they came from.
 *
 * @example
 * const b = new MapBuilder('ﬁx'); b.push('fi', 0, 1); b.push('x', 1, 2); b.build().text // 'fix'
 */
export class MapBuilder {
  private readonly parts: string[] = [];
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  constructor(private readonly input: string) {}

  /** Appends `piece`, every code unit of which came from `input[from, to)`. */
  push(piece: string, from: number, to: number): void {
    if (piece.length === 0) return;
    this.parts.push(piece);
    for (let i = 0; i < piece.length; i++) {
      this.starts.push(from);
      this.ends.push(Math.max(to, from));
    }
  }

  /** Appends `input[from, to)` unchanged, one-to-one. */
  copy(from: number, to: number): void {
    if (to <= from) return;
    this.parts.push(this.input.slice(from, to));
    for (let i = from; i < to; i++) {
      this.starts.push(i);
      this.ends.push(i + 1);
    }
  }

  build(): MappedText {
    return { text: this.parts.join(''), original: this.input, start: Int32Array.from(this.starts), end: Int32Array.from(this.ends) };
  }
}

/**
 * Composes two maps: `inner` maps mid → original, `outer` maps processed → mid. The result maps processed → original.
 *
 * @example
 * const a = nfkc('ﬁ  x'); const b = foldWhitespace(a.text); compose(a, b).original // 'ﬁ  x'
 */
export function compose(inner: MappedText, outer: MappedText): MappedText {
  if (outer.original !== inner.text) throw new Error('compose: outer map does not start from inner text');
  const n = outer.text.length;
  const start = new Int32Array(n);
  const end = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const s = outer.start[i]!;
    const e = outer.end[i]!;
    const os = s < inner.text.length ? inner.start[s]! : inner.original.length;
    const oe = e > s ? inner.end[e - 1]! : os;
    start[i] = os;
    end[i] = Math.max(oe, os);
  }
  return { text: outer.text, original: inner.original, start, end };
}

/**
 * Maps a span `[s, e)` of the processed text to the smallest span of the original that produced it.
 * An empty span maps to an empty span at the corresponding position.
 *
 * @example
 * const m = nfkc('１２３'); mapSpan(m, 0, 3) // { start: 0, end: 3 }
 */
export function mapSpan(m: MappedText, s: number, e: number): { start: number; end: number } {
  if (s < 0 || e > m.text.length || e < s) throw new RangeError(`span [${s}, ${e}) outside 0..${m.text.length}`);
  if (e === s) {
    const p = mapPosition(m, s);
    return { start: p, end: p };
  }
  let start = Infinity;
  let end = -Infinity;
  for (let i = s; i < e; i++) {
    if (m.start[i]! < start) start = m.start[i]!;
    if (m.end[i]! > end) end = m.end[i]!;
  }
  return { start, end };
}

/**
 * Maps a boundary position of the processed text to the original (`text.length` maps to the end of the
 * last mapped unit's origin, or to the original's length for an empty text).
 *
 * @example
 * mapPosition(identity('abc'), 2) // 2
 */
export function mapPosition(m: MappedText, p: number): number {
  if (p < 0 || p > m.text.length) throw new RangeError(`position ${p} outside 0..${m.text.length}`);
  if (p < m.text.length) return m.start[p]!;
  return m.text.length === 0 ? m.original.length : m.end[m.text.length - 1]!;
}

/**
 * Restricts a mapped text to the processed slice `[s, e)`; the result still maps into the same original.
 *
 * @example
 * sliceMapped(identity('hello'), 1, 3).text // 'el'
 */
export function sliceMapped(m: MappedText, s: number, e: number): MappedText {
  return { text: m.text.slice(s, e), original: m.original, start: m.start.slice(s, e), end: m.end.slice(s, e) };
}

/**
 * Concatenates mapped pieces of the same original, with `sep` (mapped to the boundary between them) in between.
 *
 * @example
 * concatMapped([sliceMapped(m, 0, 2), sliceMapped(m, 8, 10)], ' … ')
 */
export function concatMapped(pieces: MappedText[], sep = ''): MappedText {
  const first = pieces[0];
  if (!first) throw new Error('concatMapped: no pieces');
  const texts: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  pieces.forEach((p, k) => {
    if (k > 0 && sep) {
      const prev = pieces[k - 1]!;
      const at = prev.text.length ? prev.end[prev.text.length - 1]! : 0;
      const next = p.text.length ? p.start[0]! : at;
      texts.push(sep);
      for (let i = 0; i < sep.length; i++) {
        starts.push(at);
        ends.push(Math.max(next, at));
      }
    }
    texts.push(p.text);
    for (let i = 0; i < p.text.length; i++) {
      starts.push(p.start[i]!);
      ends.push(p.end[i]!);
    }
  });
  return { text: texts.join(''), original: first.original, start: Int32Array.from(starts), end: Int32Array.from(ends) };
}
