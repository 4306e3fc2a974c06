/**
 * Masking the text a model sees while keeping offsets: the safety policy decides on the caller's original text,
 * and its rewrites (placeholder, mask, hash, redact) are applied to the NORMALIZED text the adapters work on, so a
 * normalization step can never eat a placeholder (html stripping would remove `<EMAIL_1>` as a tag) and every
 * position of the masked text still maps back to the caller's text. A rewritten span maps to the whole original
 * span it replaced, so an entity that overlaps it cannot slice back to its own text and is dropped by the
 * aligner (src/tasks/align.ts) instead of being returned with wrong offsets.
 */
import { compose, MapBuilder, type MappedText } from '../preprocess/offsets.js';
import { applyOperators } from '../safety/operators.js';
import { isTransform, type SafetyScanner } from '../safety/scanner.js';
import type { SafetyFinding } from '../safety/types.js';
import type { Vault } from '../safety/vault.js';

/** One rewrite the policy applied: where in the original, and the replacement the model sees. */
export interface AppliedRewrite {
  start: number;
  end: number;
  entity: string;
  replacement: string;
}

/**
 * The rewrites `mask` applies, in its order: transform findings sorted by start, a finding that overlaps an
 * earlier one skipped; each with the replacement the vault and operators give (placeholders already in the vault
 * come back unchanged).
 *
 * @example
 * const r = mask(text, scanner, { vault }); const rw = appliedRewrites(text, r.findings, scanner, vault)
 */
export function appliedRewrites(original: string, findings: readonly SafetyFinding[], scanner: SafetyScanner, vault: Vault): AppliedRewrite[] {
  const sorted = findings.filter((f) => isTransform(f.action)).sort((a, b) => a.start - b.start);
  const restorable = (e: string) => scanner.policy.entities[e]?.restore !== false;
  const out: AppliedRewrite[] = [];
  let pos = 0;
  for (const f of sorted) {
    if (f.start < pos) continue;
    const value = original.slice(f.start, f.end);
    const replacement = applyOperators(value, [{ start: 0, end: value.length, entity: f.entity, action: f.action }], scanner.policy, vault, restorable);
    out.push({ start: f.start, end: f.end, entity: f.entity, replacement });
    pos = f.end;
  }
  return out;
}

/**
 * The original text with the rewrites applied (equals `mask(original).text` for the same findings and vault).
 *
 * @example
 * applyRewrites('call 13812345678', [{ start: 5, end: 16, entity: 'PHONE', replacement: '<PHONE_1>' }]) // 'call <PHONE_1>'
 */
export function applyRewrites(original: string, rewrites: readonly AppliedRewrite[]): string {
  const parts: string[] = [];
  let pos = 0;
  for (const r of rewrites) {
    parts.push(original.slice(pos, r.start), r.replacement);
    pos = r.end;
  }
  parts.push(original.slice(pos));
  return parts.join('');
}

/**
 * Applies rewrites (offsets into `norm.original`) to a normalized text: every normalized character that came
 * (even partly) from a rewritten span is replaced by the replacement, once. The result maps into `norm.original`.
 * A span that normalization removed entirely (e.g. inside an HTML tag) needs no replacement.
 *
 * @example
 * const norm = normalize('call １３８１２３４５６７８', ['nfkc'])
 * maskMapped(norm, [{ start: 5, end: 16, entity: 'PHONE', replacement: '<PHONE_1>' }]).text // 'call <PHONE_1>'
 */
export function maskMapped(norm: MappedText, rewrites: readonly AppliedRewrite[]): MappedText {
  if (rewrites.length === 0) return norm;
  const b = new MapBuilder(norm.text);
  const n = norm.text.length;
  let i = 0;
  for (const r of rewrites) {
    // normalized maps are monotonic: skip to the first unit whose origin reaches into the span
    let j = i;
    while (j < n && norm.end[j]! <= r.start) j++;
    let k = j;
    while (k < n && norm.start[k]! < r.end) k++;
    if (k === j) continue;
    b.copy(i, j);
    b.push(r.replacement, j, k);
    i = k;
  }
  b.copy(i, n);
  return compose(norm, b.build());
}
