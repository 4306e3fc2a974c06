/**
 * Candidate windows: most recognizers need a digit (phone, IDs, cards, IBAN, IP…) or an '@' (email). Instead of
 * running every regex over the whole text, one cheap pass finds the clusters of digits, and the rules run their
 * regexes over a compact string made of those windows only (each with a margin of real context, joined by NUL
 * separators that no pattern matches). Offsets map back with a binary search. Computed once per scan and shared
 * through ScanContext.cache (the windows come from the prescan, see prescan.ts).
 */

/** A compact string of windows of a base text, with the map back. */
export interface SubView {
  readonly text: string;
  /** Base offset of a position in `text`. */
  toBase(pos: number): number;
}

/** Clusters of at least 4 digits, at most 6 characters apart (every digit-based entity has 4+ digits). */
const DIGIT_CLUSTER = /\d(?:[^\n\d]{0,6}\d){3,}/g;

/** The view of no windows (a lone separator; nothing can match in it). */
const EMPTY_VIEW: SubView = { text: '\u0000', toBase: (p) => p };

/**
 * Builds a SubView from [start, end) windows of `base` (sorted or not; overlapping windows are merged).
 *
 * @example
 * const v = subView('a 123 b', [[2, 5]]); v.text // '\u0000123\u0000'
 */
export function subView(base: string, windows: [number, number][]): SubView {
  let sorted = true;
  for (let i = 1; i < windows.length && sorted; i++) sorted = windows[i - 1]![0] <= windows[i]![0];
  if (!sorted) windows.sort((a, b) => a[0] - b[0]);
  if (windows.length === 0) return EMPTY_VIEW;
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

/**
 * Windows around clusters of 4+ digits (digits at most 6 characters apart), with `margin` characters each side.
 *
 * @example
 * digitView('call 13812345678').text // '\u0000call 13812345678\u0000'
 */
export function digitView(text: string, margin = 10): SubView {
  const w: [number, number][] = [];
  DIGIT_CLUSTER.lastIndex = 0;
  for (let m = DIGIT_CLUSTER.exec(text); m !== null; m = DIGIT_CLUSTER.exec(text)) {
    w.push([m.index - margin, m.index + m[0].length + margin]);
  }
  return subView(text, w);
}

/**
 * True when `text` contains `needle`, searched by its character at `pivot` (choose a rare one): `includes` scans
 * for the first character, which is slow when that one is common in text (the 'e' of 'eyJ').
 *
 * @example
 * containsVia('a eyJhbG', 'eyJ', 2) // true
 */
export function containsVia(text: string, needle: string, pivot: number): boolean {
  const ch = needle[pivot]!;
  for (let k = text.indexOf(ch, pivot); k >= 0; k = text.indexOf(ch, k + 1)) if (text.startsWith(needle, k - pivot)) return true;
  return false;
}

/** Any run of 15+ base64 characters (as Prescan.longRuns, see prescan.ts). */
const LONG_RUN_RE = /[A-Za-z0-9+/_-]{15,}/g;

/**
 * Windows from 40 characters before to 2 after each run of 15+ base64 characters (`runs`: the prescan's
 * longRuns of `text`; found here when not given): where fixed-format tokens (cloud keys, VCS tokens) can be.
 *
 * @example
 * tokenView('key AKIAIOSFODNN7EXAMPLE').text // '\u0000key AKIAIOSFODNN7EXAMPLE\u0000'
 */
export function tokenView(text: string, runs?: readonly [number, number][]): SubView {
  const w: [number, number][] = [];
  if (runs) for (const [s, e] of runs) w.push([s - 40, e + 2]);
  else {
    LONG_RUN_RE.lastIndex = 0;
    for (let m = LONG_RUN_RE.exec(text); m !== null; m = LONG_RUN_RE.exec(text)) w.push([m.index - 40, m.index + m[0].length + 2]);
  }
  return subView(text, w);
}

/**
 * Windows around each occurrence of `needle`: `before` characters before it and `after` after it.
 *
 * @example
 * needleView('x a@b.cn', '@', 1, 2).text // '\u0000a@b.\u0000'
 */
export function needleView(text: string, needle: string, before: number, after: number): SubView {
  const w: [number, number][] = [];
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) w.push([i - before, i + needle.length + after]);
  return subView(text, w);
}

/**
 * The shared SubView for a candidate kind, computed once per scan (`cache` comes from ScanContext).
 *
 * @example
 * const v = cachedView(ctx.cache, 'digits', () => digitView(text))
 */
export function cachedView(cache: Map<string, unknown> | undefined, key: string, make: () => SubView): SubView {
  if (!cache) return make();
  let v = cache.get(key) as SubView | undefined;
  if (!v) cache.set(key, (v = make()));
  return v;
}
