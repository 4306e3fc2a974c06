/**
 * The prescan: one pass over the text with a per-character class table that finds what the rules' candidate
 * windows and triggers are made of (digit clusters, base64 runs, key-word starts) and whether the text needs
 * folding. Computed once per scan and shared through ScanContext.cache.
 */

import type { WordStart } from './phrase-rule.js';
import { FOLD_CLASS, createView, plainView, type TextView } from './text.js';

/** What one pass over the text finds (see `prescan`). */
export interface Prescan {
  /** The text has a character of the fold set (what createView folds); the other fields describe the folded view. */
  special: boolean;
  /** Windows around clusters of 4+ digits (as digitView). */
  digitWindows: [number, number][];
  /** Runs of 20+ base64/base64url characters (plus up to two '=') that stand alone (as encoded-payload's regex). */
  b64Runs: [number, number][];
  /** Runs of 15+ base64/base64url characters, whatever surrounds them (where fixed-format tokens can be). */
  longRuns: [number, number][];
  /**
   * Positions of the trigger characters of the table passed to `prescan` (see `triggerTable`); undefined without
   * one. The scanner marks the first characters of the CJK injection key words here, so their pass only runs a
   * sticky regex at these positions instead of a regex over the whole text.
   */
  triggerHits?: number[];
  /**
   * With a Triggers that has Latin key words: the word starts whose first three characters may begin one of them
   * and the positions of the first characters of the others, ascending (see `latinTrigger`).
   */
  latinHits?: number[];
}

/** The shortest run of `Prescan.longRuns`. */
export const LONG_RUN = 15;

const DIGIT = 1;
const B64 = 2;
const SPECIAL = 4;
const EQ = 8;
const NL = 16;
const TRIG = 32;
const TRIGL = 64;
/** '+', '/', '-': base64 characters that are not word characters (a word may start right after one). */
const NONWORD = 128;
const NOT_SPECIAL = 0xff ^ SPECIAL;
let table: Uint8Array | undefined;

function classTable(): Uint8Array {
  if (table) return table;
  const t = new Uint8Array(65536);
  const special = new RegExp(FOLD_CLASS);
  for (let c = 0; c < 65536; c++) {
    let v = 0;
    if (c >= 48 && c <= 57) v |= DIGIT | B64;
    else if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95) v |= B64;
    else if (c === 43 || c === 47 || c === 45) v |= B64 | NONWORD;
    else if (c === 61) v |= EQ;
    else if (c === 10) v |= NL;
    if (c >= 0xa0 && special.test(String.fromCharCode(c))) v |= SPECIAL;
    t[c] = v;
  }
  return (table = t);
}

/** What the prescan records trigger positions of (see `triggerTable`). */
export interface Triggers {
  /** The class table with the trigger bits. */
  readonly table: Uint8Array;
  /**
   * Latin word starts: `starts[a * 729 + b * 27 + c]` is 1 when a key word may start with these three characters
   * (see `startCode`: a-z case-insensitively, 26 for any other character).
   */
  readonly starts?: Uint8Array;
}

/**
 * The trigger tables for `prescan`: it records the positions of `chars` (UTF-16 code units; the CJK key words'
 * first characters) in `triggerHits`, and with `latin` the Latin key word candidates in `latinHits`: word starts
 * matching one of `latin.starts` and the positions of `latin.firsts` (first characters of the key words that do
 * not start a word).
 *
 * @example
 * prescan('请忽略', 10, triggerTable('忽')).triggerHits // [1]
 */
export function triggerTable(chars: Iterable<string>, latin?: { firsts: readonly string[]; starts: readonly WordStart[] }): Triggers {
  const t = classTable().slice();
  for (const ch of chars) t[ch.charCodeAt(0)]! |= TRIG;
  if (!latin) return { table: t };
  for (const ch of latin.firsts) t[ch.charCodeAt(0)]! |= TRIGL;
  const starts = new Uint8Array(26 * 729);
  for (const { first, second, third } of latin.starts) {
    const a = startCode(first.charCodeAt(0), t);
    if (a < 0 || a > 25) throw new TypeError(`a Latin key word starts with a letter, not ${first}`);
    if (second === undefined) starts.fill(1, a * 729, a * 729 + 729);
    else {
      const b = startCode(second.charCodeAt(0), t);
      if (third === undefined || b < 0) starts.fill(1, a * 729 + Math.max(0, b) * 27, a * 729 + (b < 0 ? 729 : b * 27 + 27));
      else {
        const c = startCode(third.charCodeAt(0), t);
        if (c < 0) starts.fill(1, a * 729 + b * 27, a * 729 + b * 27 + 27);
        else starts[a * 729 + b * 27 + c] = 1;
      }
    }
  }
  return { table: t, starts };
}

/** True when a Latin key word may start with the characters c, c2, c3 (see Triggers.starts; c2, c3 -1 if none). */
function mayStartKey(starts: Uint8Array, t: Uint8Array, c: number, c2: number, c3: number): boolean {
  const a = (c | 32) - 97; // c is a letter or '_'
  if (a < 0 || a > 25) return false;
  const b = startCode(c2, t);
  const e = startCode(c3, t);
  return b < 0 || e < 0 || starts[a * 729 + b * 27 + e] === 1;
}

/**
 * The code of a character in Triggers.starts: 0-25 for a-z and A-Z, 26 for any other character or none (-1), and
 * -1 for a character that folding may still turn into a letter (a fold character of table `t`: a maybe).
 */
function startCode(c: number, t: Uint8Array): number {
  if (c < 0) return 26;
  const l = c | 32;
  if (l >= 97 && l <= 122 && c < 128) return l - 97;
  return c >= 128 && (t[c]! & SPECIAL) !== 0 ? -1 : 26;
}

/**
 * The normalized view of `text` (the fold characters folded as `createView` folds them) and, for that view, the
 * digit-cluster windows, the base64 runs and the trigger positions: one pass with a per-character class table (no
 * regex, no allocation per character) when nothing needs folding, the common case; otherwise that pass stops at
 * the first fold character, the text is folded and the view gets the pass. The scanner runs it once and shares the
 * result through ScanContext.cache.
 *
 * @example
 * prescanView('call １３８12345678').pre.digitWindows // [[0, 16]]
 */
export function prescanView(text: string, margin = 10, withTriggers?: Triggers): { view: TextView; pre: Prescan } {
  const first = classPass(text, margin, withTriggers, true);
  if (first) return { view: plainView(text), pre: first };
  const view = createView(text, true);
  const pre = classPass(view.text, margin, withTriggers, false)!;
  pre.special = true;
  return { view, pre };
}

/**
 * The class pass of `prescanView` over `text`; with `stopAtSpecial` it gives up (undefined) at the first fold
 * character. Kept apart from the folding: one long text runs in this loop for a long time, and a loop with fewer
 * rare paths keeps V8's optimized code (each first visit of a rare path deoptimizes it mid-loop).
 */
function classPass(text: string, margin: number, withTriggers: Triggers | undefined, stopAtSpecial: boolean): Prescan | undefined {
  const t = withTriggers?.table ?? classTable();
  const hits: number[] | undefined = withTriggers ? [] : undefined;
  const starts = withTriggers?.starts;
  const latinHits: number[] | undefined = starts ? [] : undefined;
  let wordEnd = -1; // the position right after the last word character ([A-Za-z0-9_]) read
  const n = text.length;
  const digitWindows: [number, number][] = [];
  const b64Runs: [number, number][] = [];
  let special = false;
  let clusterStart = -1;
  let lastDigit = -100;
  let newline = false;
  let digits = 0;
  let runStart = -1;
  let runEq = false; // the run started right after '=' (then it is not standalone)
  let prevEq = false;
  const longRuns: [number, number][] = [];
  // a run of 20+ that ended at '=': it counts when at most two '=' follow it and then no base64 character or '='
  // (decided on the characters as they come, so the pass never looks ahead)
  let pendStart = -1;
  let pendEnd = 0;
  let pendEqs = 0;
  let j = 0;
  while (j < n) {
    const c = text.charCodeAt(j);
    let v = t[c]!;
    if (v & SPECIAL) {
      if (stopAtSpecial) return undefined;
      special = true;
      v &= NOT_SPECIAL; // in a folded view: a character that folds to itself or a lead surrogate on its own
    }
    const p = j;
    j++;
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
      if (runStart >= 0) {
        if (p - runStart >= LONG_RUN) longRuns.push([runStart, p]);
        if (!runEq && p - runStart >= 20) b64Runs.push([runStart, p]);
        runStart = -1;
      }
      prevEq = false;
      while (j < n && t[text.charCodeAt(j)] === 0) j++;
      continue;
    }
    // letters and the other base64 characters that are not digits: only the run bookkeeping applies (same tight loop)
    if (v === B64) {
      // a word start: a Latin key word may begin here when its first three characters say so (a character still to
      // be folded counts as a maybe)
      if (starts && p !== wordEnd) {
        const c2 = j < n ? text.charCodeAt(j) : -1;
        const c3 = j + 1 < n ? text.charCodeAt(j + 1) : -1;
        if (mayStartKey(starts, t, c, c2, c3)) latinHits!.push(p);
      }
      if (runStart < 0) {
        runStart = p;
        runEq = prevEq;
      }
      prevEq = false;
      for (;;) {
        while (j < n && t[text.charCodeAt(j)] === B64) j++;
        wordEnd = j;
        // the class-0 characters that follow (spaces, punctuation, CJK) end the run; when a letter comes next, it
        // starts the next run right here (most of a text is such words and gaps)
        let k = j;
        while (k < n && t[text.charCodeAt(k)] === 0) k++;
        if (k === j) break;
        if (j - runStart >= LONG_RUN) longRuns.push([runStart, j]);
        if (!runEq && j - runStart >= 20) b64Runs.push([runStart, j]);
        runStart = -1;
        prevEq = false;
        j = k;
        if (k + 2 >= n || t[text.charCodeAt(k)] !== B64) break;
        runStart = k;
        runEq = false;
        if (starts && mayStartKey(starts, t, text.charCodeAt(k), text.charCodeAt(k + 1), text.charCodeAt(k + 2))) latinHits!.push(k);
        j = k + 1;
      }
      continue;
    }
    if (v & TRIG) hits!.push(p);
    if (v & TRIGL) latinHits!.push(p);
    if (v & DIGIT) {
      if (clusterStart >= 0 && p - lastDigit <= 7 && !newline) digits++;
      else {
        if (digits >= 4) digitWindows.push([clusterStart - margin, lastDigit + 1 + margin]);
        clusterStart = p;
        digits = 1;
      }
      lastDigit = p;
      wordEnd = p + 1;
      newline = false;
    } else if (v & NL) newline = true;
    if (v & B64) {
      if (runStart < 0) {
        runStart = p;
        runEq = prevEq; // a run right after '=' is not a standalone block
      }
      prevEq = false;
      continue;
    }
    if (runStart >= 0) {
      if (p - runStart >= LONG_RUN) longRuns.push([runStart, p]);
      if (!runEq && p - runStart >= 20) {
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
  if (digits >= 4) digitWindows.push([clusterStart - margin, lastDigit + 1 + margin]);
  if (pendStart >= 0) b64Runs.push([pendStart, pendEnd]);
  if (runStart >= 0 && n - runStart >= LONG_RUN) longRuns.push([runStart, n]);
  if (runStart >= 0 && !runEq && n - runStart >= 20) b64Runs.push([runStart, n]);
  const pre: Prescan = hits ? { special, digitWindows, b64Runs, longRuns, triggerHits: hits } : { special, digitWindows, b64Runs, longRuns };
  if (latinHits) pre.latinHits = latinHits;
  return pre;
}

/**
 * The prescan of the normalized view of `text` (see `prescanView`).
 *
 * @example
 * prescan('call 13812345678').digitWindows // [[0, 16]]
 */
export function prescan(text: string, margin = 10, withTriggers?: Triggers): Prescan {
  return prescanView(text, margin, withTriggers).pre;
}
