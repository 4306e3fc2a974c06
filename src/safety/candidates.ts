/**
 * Candidate windows: most recognizers need a digit (phone, IDs, cards, IBAN, IP…) or an '@' (email). Instead of
 * running every regex over the whole text, one cheap pass finds the clusters of digits, and the rules run their
 * regexes over a compact string made of those windows only (each with a margin of real context, joined by NUL
 * separators that no pattern matches). Offsets map back with a binary search. Computed once per scan and shared
 * through ScanContext.cache.
 */

import { FOLD_CLASS, ViewBuilder, plainView, type TextView } from './text.js';

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
  let sorted = true;
  for (let i = 1; i < windows.length && sorted; i++) sorted = windows[i - 1]![0] <= windows[i]![0];
  if (!sorted) windows.sort((a, b) => a[0] - b[0]);
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

/** What one pass over the text finds (see `prescan`). */
export interface Prescan {
  /** The text has a character of the fold set (what createView folds); the other fields describe the folded view. */
  special: boolean;
  /** Windows around clusters of 4+ digits (as digitView). */
  digitWindows: [number, number][];
  /** Runs of 20+ base64/base64url characters (plus up to two '=') that stand alone (as encoded-payload's regex). */
  b64Runs: [number, number][];
  /**
   * Positions of the trigger characters of the table passed to `prescan` (see `triggerTable`); undefined without
   * one. The scanner marks the first characters of the CJK injection key words here, so their pass only runs a
   * sticky regex at these positions instead of a regex over the whole text.
   */
  triggerHits?: number[];
}

const DIGIT = 1;
const B64 = 2;
const SPECIAL = 4;
const EQ = 8;
const NL = 16;
const TRIG = 32;
let table: Uint8Array | undefined;

function classTable(): Uint8Array {
  if (table) return table;
  const t = new Uint8Array(65536);
  const special = new RegExp(FOLD_CLASS);
  for (let c = 0; c < 65536; c++) {
    let v = 0;
    if (c >= 48 && c <= 57) v |= DIGIT | B64;
    else if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 43 || c === 47 || c === 95 || c === 45) v |= B64;
    else if (c === 61) v |= EQ;
    else if (c === 10) v |= NL;
    if (c >= 0xa0 && special.test(String.fromCharCode(c))) v |= SPECIAL;
    t[c] = v;
  }
  return (table = t);
}

/**
 * A copy of the prescan class table that also marks `chars` (UTF-16 code units) as trigger characters: `prescan`
 * with it records their positions in `triggerHits`.
 *
 * @example
 * prescan('请忽略', 10, triggerTable('忽')).triggerHits // [1]
 */
export function triggerTable(chars: Iterable<string>): Uint8Array {
  const t = classTable().slice();
  for (const ch of chars) t[ch.charCodeAt(0)]! |= TRIG;
  return t;
}

/**
 * One fused pass over the text with a per-character class table (no regex, no allocation per character): the
 * normalized view (the fold characters folded as `createView` folds them) and, for that view, the digit-cluster
 * windows and the standalone base64 runs. The scanner runs it once and shares the result through
 * ScanContext.cache, replacing a fold pass and three regex passes.
 *
 * @example
 * prescanView('call １３８12345678').pre.digitWindows // [[0, 16]]
 */
export function prescanView(text: string, margin = 10, withTriggers?: Uint8Array): { view: TextView; pre: Prescan } {
  const t = withTriggers ?? classTable();
  const hits: number[] | undefined = withTriggers ? [] : undefined;
  const n = text.length;
  const digitWindows: [number, number][] = [];
  const b64Runs: [number, number][] = [];
  let special = false;
  let builder: ViewBuilder | undefined;
  let clusterStart = -1;
  let lastDigit = -100;
  let newline = false;
  let digits = 0;
  let runStart = -1;
  let prevEq = false;
  // a run of 20+ that ended at '=': it counts when at most two '=' follow it and then no base64 character or '='
  // (decided on the characters as they come, so the pass never looks ahead)
  let pendStart = -1;
  let pendEnd = 0;
  let pendEqs = 0;
  // positions are view positions: p = i + d for a character of the text; a fold character's replacement is read
  // from `rep` (at repBase + ri) before the text goes on
  let d = 0;
  let rep = '';
  let ri = 0;
  let repBase = 0;
  let i = 0;
  for (;;) {
    let v: number;
    let p: number;
    if (ri < rep.length) {
      v = t[rep.charCodeAt(ri)]! & ~SPECIAL;
      p = repBase + ri;
      ri++;
    } else {
      if (i >= n) break;
      v = t[text.charCodeAt(i)]!;
      if (v & SPECIAL) {
        special = true;
        builder ??= new ViewBuilder(text);
        const r = builder.fold(i);
        if (r !== undefined) {
          rep = r;
          ri = 0;
          repBase = i + d;
          d += r.length - builder.width;
          i += builder.width;
          continue;
        }
        v &= ~SPECIAL; // a lead surrogate on its own: flagged, not folded
      }
      p = i + d;
      i++;
    }
    if (pendStart >= 0) {
      if (v & EQ && pendEqs < 2) {
        pendEnd++;
        pendEqs++;
      } else {
        if (!(v & (B64 | EQ))) b64Runs.push([pendStart, pendEnd]);
        pendStart = -1;
      }
    }
    // most characters (CJK, spaces, punctuation) have no class: they only end a pending base64 run; then skip the
    // rest of such characters of the text in a tight loop
    if (v === 0) {
      if (runStart !== -1) {
        if (runStart >= 0 && p - runStart >= 20) b64Runs.push([runStart, p]);
        runStart = -1;
      }
      prevEq = false;
      if (ri >= rep.length) while (i < n && t[text.charCodeAt(i)] === 0) i++;
      continue;
    }
    // letters and the other base64 characters that are not digits: only the run bookkeeping applies (same tight loop)
    if (v === B64) {
      if (runStart === -1) runStart = prevEq ? -2 : p;
      prevEq = false;
      if (ri >= rep.length) while (i < n && t[text.charCodeAt(i)] === B64) i++;
      continue;
    }
    if (v & TRIG) hits!.push(p);
    if (v & DIGIT) {
      if (clusterStart >= 0 && p - lastDigit <= 7 && !newline) digits++;
      else {
        if (digits >= 4) digitWindows.push([clusterStart - margin, lastDigit + 1 + margin]);
        clusterStart = p;
        digits = 1;
      }
      lastDigit = p;
      newline = false;
    } else if (v & NL) newline = true;
    if (v & B64) {
      if (runStart === -1) runStart = prevEq ? -2 : p; // a run right after '=' can never match
      prevEq = false;
      continue;
    }
    if (runStart !== -1) {
      if (runStart >= 0 && p - runStart >= 20) {
        if (v & EQ) {
          pendStart = runStart;
          pendEnd = p + 1;
          pendEqs = 1;
        } else b64Runs.push([runStart, p]);
      }
      runStart = -1;
    }
    prevEq = (v & EQ) !== 0;
  }
  const len = n + d;
  if (digits >= 4) digitWindows.push([clusterStart - margin, lastDigit + 1 + margin]);
  if (pendStart >= 0) b64Runs.push([pendStart, pendEnd]);
  if (runStart >= 0 && len - runStart >= 20) b64Runs.push([runStart, len]);
  const pre: Prescan = hits ? { special, digitWindows, b64Runs, triggerHits: hits } : { special, digitWindows, b64Runs };
  return { view: builder ? builder.finish() : plainView(text), pre };
}

/**
 * The prescan of the normalized view of `text` (see `prescanView`).
 *
 * @example
 * prescan('call 13812345678').digitWindows // [[0, 16]]
 */
export function prescan(text: string, margin = 10, withTriggers?: Uint8Array): Prescan {
  return prescanView(text, margin, withTriggers).pre;
}
