/**
 * Candidate windows: most recognizers need a digit (phone, IDs, cards, IBAN, IP…) or an '@' (email). Instead of
 * running every regex over the whole text, one cheap pass finds the clusters of digits, and the rules run their
 * regexes over a compact string made of those windows only (each with a margin of real context, joined by NUL
 * separators that no pattern matches). Offsets map back with a binary search. Computed once per scan and shared
 * through ScanContext.cache.
 */

/** A compact string of windows of a base text, with the map back. */
export interface SubView {
  readonly text: string;
  /** Base offset of a position in `text`. */
  toBase(pos: number): number;
}

/** Clusters of at least 4 digits, at most 6 characters apart (every digit-based entity has 4+ digits). */
const DIGIT_CLUSTER = /\d(?:[^\n\d]{0,6}\d){3,}/g;

/**
 * Builds a SubView from [start, end) windows of `base` (sorted or not; overlapping windows are merged).
 *
 * @example
 * const v = subView('a 123 b', [[2, 5]]); v.text // '\u0000123\u0000'
 */
export function subView(base: string, windows: [number, number][]): SubView {
  windows.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [s0, e0] of windows) {
    const s = Math.max(0, s0);
    const e = Math.min(base.length, e0);
    const last = merged[merged.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else merged.push([s, e]);
  }
  const parts: string[] = [];
  const viewStart = new Int32Array(merged.length);
  const baseStart = new Int32Array(merged.length);
  let pos = 0;
  for (let i = 0; i < merged.length; i++) {
    const [s, e] = merged[i]!;
    parts.push('\u0000', base.slice(s, e));
    pos += 1;
    viewStart[i] = pos;
    baseStart[i] = s;
    pos += e - s;
  }
  parts.push('\u0000');
  const text = parts.join('');
  return {
    text,
    toBase(p: number): number {
      let lo = 0;
      let hi = viewStart.length - 1;
      let k = 0;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (viewStart[mid]! <= p) {
          k = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      return baseStart[k]! + (p - viewStart[k]!);
    },
  };
}

/** Windows around clusters of 4+ digits (digits at most 6 characters apart), with `margin` characters each side. */
export function digitView(text: string, margin = 10): SubView {
  const w: [number, number][] = [];
  DIGIT_CLUSTER.lastIndex = 0;
  for (let m = DIGIT_CLUSTER.exec(text); m !== null; m = DIGIT_CLUSTER.exec(text)) {
    w.push([m.index - margin, m.index + m[0].length + margin]);
  }
  return subView(text, w);
}

/** Windows around each occurrence of `needle`: `before` characters before it and `after` after it. */
export function needleView(text: string, needle: string, before: number, after: number): SubView {
  const w: [number, number][] = [];
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) w.push([i - before, i + needle.length + after]);
  return subView(text, w);
}

/** The shared SubView for a candidate kind, computed once per scan (`cache` comes from ScanContext). */
export function cachedView(cache: Map<string, unknown> | undefined, key: string, make: () => SubView): SubView {
  if (!cache) return make();
  let v = cache.get(key) as SubView | undefined;
  if (!v) cache.set(key, (v = make()));
  return v;
}
