/**
 * Extraction scoring: per-field exact-match accuracy, the schema-valid rate and the whole-record exact-match
 * rate of predicted JSON records against gold records. Values are compared after normalization: strings NFKC,
 * whitespace-folded, trimmed and lower-cased; a number equals a number or a numeric string of the same value;
 * `null`, an absent key and an empty string are the same (nothing extracted); arrays compare element by element
 * in order, objects key by key with the same rules.
 */
import { padLeft, pyFixed } from './format.js';

/** One row of an extraction evaluation: the gold record, what the model produced and whether it was schema-valid. */
export interface ExtractRow {
  gold: unknown;
  /** The parsed output (`null` when it was not schema-valid). */
  predicted: unknown;
  /** The output parsed and matched the pack's schema. An invalid output counts as wrong on every field. */
  valid: boolean;
}

export interface FieldScore {
  field: string;
  /** Examples where the field matched (only schema-valid outputs can match). */
  correct: number;
  total: number;
  accuracy: number;
  /** Examples whose gold value is not null/absent/empty, and how many of those matched. */
  goldNonNull: number;
  correctNonNull: number;
}

export interface ExtractReport {
  fields: FieldScore[];
  examples: number;
  schemaValid: number;
  schemaValidRate: number;
  /** Schema-valid outputs equal to the whole gold record (every key of either side matches). */
  exactMatch: number;
  exactMatchRate: number;
  /** Matches over all (example, field) pairs. */
  fieldAccuracy: number;
  /** The text table. */
  text: string;
}

const NUMERIC = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;

function canon(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') {
    const s = v.normalize('NFKC').replace(/\s+/g, ' ').trim().toLowerCase();
    return s === '' ? null : s;
  }
  return v;
}

function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && NUMERIC.test(v)) return Number(v);
  return undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Whether a predicted value equals a gold value under the normalization above.
 *
 * @example
 * valuesMatch(' Anna  Smith', 'anna smith') // true
 * valuesMatch(4, '4.0') // true
 * valuesMatch(null, '') // true
 */
export function valuesMatch(gold: unknown, predicted: unknown): boolean {
  const a = canon(gold);
  const b = canon(predicted);
  if (a === null || b === null) return a === b;
  if (typeof a === 'number' || typeof b === 'number') {
    const x = asNumber(a);
    const y = asNumber(b);
    return x !== undefined && y !== undefined && x === y;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => valuesMatch(v, b[i]));
  }
  if (isObject(a) || isObject(b)) {
    if (!isObject(a) || !isObject(b)) return false;
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].every((k) => valuesMatch(a[k], b[k]));
  }
  return a === b;
}

/**
 * The top-level fields of an object JSON schema (its `properties`, in order); empty for other schemas.
 *
 * @example
 * schemaFields({ type: 'object', properties: { date: {}, people: {} } }) // ['date', 'people']
 */
export function schemaFields(schema: Record<string, unknown> | undefined): string[] {
  const props = schema?.['properties'];
  return isObject(props) ? Object.keys(props) : [];
}

/**
 * Scores extraction rows. `fields` (default: the keys seen in gold and predicted records, in first-seen order)
 * are the per-field rows; keys outside it still count for the whole-record exact match.
 *
 * @example
 * const r = extractReport([{ gold: { people: 4 }, predicted: { people: '4' }, valid: true }])
 * r.fields[0].accuracy // 1
 * console.log(r.text)
 */
export function extractReport(rows: readonly ExtractRow[], opts: { fields?: readonly string[]; digits?: number } = {}): ExtractReport {
  const seen: string[] = [...(opts.fields ?? [])];
  if (!opts.fields) {
    for (const r of rows) for (const v of [r.gold, r.predicted]) if (isObject(v)) for (const k of Object.keys(v)) if (!seen.includes(k)) seen.push(k);
  }
  const field = (v: unknown, k: string): unknown => (isObject(v) ? v[k] : undefined);
  const fields: FieldScore[] = seen.map((k) => {
    let correct = 0;
    let goldNonNull = 0;
    let correctNonNull = 0;
    for (const r of rows) {
      const g = field(r.gold, k);
      const ok = r.valid && valuesMatch(g, field(r.predicted, k));
      const nonNull = canon(g) !== null;
      if (ok) correct++;
      if (nonNull) goldNonNull++;
      if (ok && nonNull) correctNonNull++;
    }
    return { field: k, correct, total: rows.length, accuracy: rows.length ? correct / rows.length : 0, goldNonNull, correctNonNull };
  });
  const n = rows.length;
  const schemaValid = rows.filter((r) => r.valid).length;
  const exactMatch = rows.filter((r) => r.valid && valuesMatch(r.gold, r.predicted)).length;
  const pairs = fields.length * n;
  const report: Omit<ExtractReport, 'text'> = {
    fields,
    examples: n,
    schemaValid,
    schemaValidRate: n ? schemaValid / n : 0,
    exactMatch,
    exactMatchRate: n ? exactMatch / n : 0,
    fieldAccuracy: pairs ? fields.reduce((a, f) => a + f.correct, 0) / pairs : 0,
  };
  return { ...report, text: formatExtractReport(report, opts.digits ?? 2) };
}

function formatExtractReport(r: Omit<ExtractReport, 'text'>, digits: number): string {
  const w = Math.max('schema-valid rate'.length, ...r.fields.map((f) => f.field.length));
  const heads = ['accuracy', 'correct', 'total', 'non-null acc', 'non-null'];
  let out = padLeft('', w) + ' ' + heads.map((h) => ' ' + padLeft(h, h.length > 9 ? h.length : 9)).join('') + '\n\n';
  for (const f of r.fields) {
    const nn = f.goldNonNull ? pyFixed(f.correctNonNull / f.goldNonNull, digits) : '-';
    out += padLeft(f.field, w) + ' ' + [pyFixed(f.accuracy, digits), String(f.correct), String(f.total)].map((v) => ' ' + padLeft(v, 9)).join('') + ' ' + padLeft(nn, 12) + ' ' + padLeft(String(f.goldNonNull), 9) + '\n';
  }
  out += '\n';
  const line = (name: string, rate: number, k: number, total: number) => `${padLeft(name, w)}  ${padLeft(pyFixed(rate, digits), 9)} ${padLeft(String(k), 9)} ${padLeft(String(total), 9)}\n`;
  out += line('field accuracy', r.fieldAccuracy, r.fields.reduce((a, f) => a + f.correct, 0), r.examples * r.fields.length);
  out += line('schema-valid rate', r.schemaValidRate, r.schemaValid, r.examples);
  out += line('exact-match rate', r.exactMatchRate, r.exactMatch, r.examples);
  return out;
}
