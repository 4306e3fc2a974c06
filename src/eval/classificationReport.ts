/**
 * scikit-learn's `classification_report` and `precision_recall_fscore_support`, number for number and
 * character for character (sklearn ≥ 1.3 semantics: F1 = 2·tp / (true + pred), zero_division on an empty
 * denominator; "warn" acts as 0 and records a warning; NaN leaves the undefined score out of the averages).
 */
import { InvalidArgumentError } from '../errors.js';
import { padLeft, pyFixed } from './format.js';

export type ZeroDivision = 'warn' | 0 | 1;
/**
 * classificationReport's zero_division: {@link ZeroDivision} or, as in scikit-learn ≥ 1.3, NaN (`NaN` or `'nan'`):
 * an undefined score is NaN (printed `nan`), raises no warning and is left out of the macro, weighted and samples
 * averages. Any other number is an InvalidArgumentError.
 */
export type ReportZeroDivision = ZeroDivision | 'nan' | number;
export type Label = string | number;

/** Scores of one row (a label or an average). */
export interface Scores {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface LabelScores extends Scores {
  label: string;
}

export interface ClassificationReport {
  /** multiclass (incl. binary) or multilabel. */
  type: 'multiclass' | 'multilabel';
  labels: LabelScores[];
  /** Present when micro average equals accuracy (multiclass with all labels). */
  accuracy?: number;
  /** Present when accuracy is not shown (multilabel, or a label subset). */
  microAvg?: Scores;
  macroAvg: Scores;
  weightedAvg: Scores;
  /** Multilabel only. */
  samplesAvg?: Scores;
  /** The text table, as sklearn prints it. */
  text: string;
  /** Zero-division warnings (zero_division "warn"). */
  warnings: string[];
}

export interface ReportOptions {
  /** Labels to report, in order (default: sorted union of yTrue and yPred). */
  labels?: readonly Label[];
  /** Display names for `labels`. */
  targetNames?: readonly string[];
  digits?: number;
  zeroDivision?: ReportZeroDivision;
}

/** Counts behind precision/recall/F1 for one row. */
export interface Counts {
  tp: number;
  pred: number;
  true: number;
}

function zd(z: ReportZeroDivision): number {
  if (z === 'nan' || Number.isNaN(z)) return NaN;
  return z === 1 ? 1 : 0;
}

/** Rejects a zero_division sklearn would reject (anything but "warn", 0, 1 and NaN). */
function checkZeroDivision(z: ReportZeroDivision): void {
  if (z === 'warn' || z === 'nan' || z === 0 || z === 1 || Number.isNaN(z)) return;
  throw new InvalidArgumentError('zeroDivision', `must be "warn", 0, 1 or NaN, got ${JSON.stringify(z)}`);
}

/**
 * Precision, recall and F1 from counts, as sklearn computes them (F1 from counts, not from p and r).
 *
 * @example
 * prfFromCounts({ tp: 1, pred: 2, true: 1 }, 'warn') // { precision: 0.5, recall: 1, f1: 0.6666… }
 */
export function prfFromCounts(c: Counts, zero: ReportZeroDivision, warnings?: string[], name = ''): { precision: number; recall: number; f1: number } {
  const precision = c.pred === 0 ? zd(zero) : c.tp / c.pred;
  const recall = c.true === 0 ? zd(zero) : c.tp / c.true;
  const denom = c.true + c.pred;
  const f1 = denom === 0 ? zd(zero) : (2 * c.tp) / denom;
  if (zero === 'warn' && warnings) {
    if (c.pred === 0) warnings.push(`Precision is ill-defined and being set to 0.0${name ? ` for ${name}` : ''}: no predicted samples`);
    if (c.true === 0) warnings.push(`Recall is ill-defined and being set to 0.0${name ? ` for ${name}` : ''}: no true samples`);
  }
  return { precision, recall, f1 };
}

/** sklearn's `_nanaverage`: NaN values are left out; weights that sum to 0 are ignored; all NaN (or none) is NaN. */
function average(values: number[], weights?: number[]): number {
  const keep = values.flatMap((v, i) => (Number.isNaN(v) ? [] : [i]));
  if (keep.length === 0) return NaN;
  const ws = weights && keep.map((i) => weights[i]!);
  const w = ws && ws.reduce((a, b) => a + b, 0) > 0 ? ws : undefined;
  let num = 0;
  let den = 0;
  keep.forEach((i, k) => {
    const wi = w ? w[k]! : 1;
    num += values[i]! * wi;
    den += wi;
  });
  return num / den;
}

function sortLabels(labels: Label[]): Label[] {
  return [...labels].sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
}

/**
 * Formats report rows exactly like sklearn's text report.
 *
 * @example
 * formatReport(rows, [{ name: 'accuracy', accuracy: 0.6, support: 5 }, …], 2)
 */
export function formatReport(
  rows: readonly LabelScores[],
  tail: readonly ({ name: string } & ({ accuracy: number; support: number } | Scores))[],
  digits: number,
): string {
  const width = Math.max(...rows.map((r) => r.label.length), 'weighted avg'.length, digits);
  const headers = ['precision', 'recall', 'f1-score', 'support'];
  let out = padLeft('', width) + ' ' + headers.map((h) => ' ' + padLeft(h, 9)).join('') + '\n\n';
  const row = (name: string, s: Scores) =>
    padLeft(name, width) + ' ' + [s.precision, s.recall, s.f1].map((v) => ' ' + padLeft(pyFixed(v, digits), 9)).join('') + ' ' + padLeft(String(s.support), 9) + '\n';
  for (const r of rows) out += row(r.label, r);
  out += '\n';
  for (const t of tail) {
    if ('accuracy' in t) {
      out += padLeft(t.name, width) + ' ' + ' ' + padLeft('', 9) + ' ' + padLeft('', 9) + ' ' + padLeft(pyFixed(t.accuracy, digits), 9) + ' ' + padLeft(String(t.support), 9) + '\n';
    } else out += row(t.name, t);
  }
  return out;
}

/**
 * scikit-learn's classification report. `yTrue`/`yPred` are label arrays (multiclass) or arrays of label
 * sets (multilabel).
 *
 * @example
 * const r = classificationReport(['a', 'b', 'a'], ['a', 'a', 'a'])
 * console.log(r.text)
 * r.accuracy // 0.666…
 * classificationReport(['a', 'a', 'b'], ['a', 'a', 'a'], { zeroDivision: NaN }).labels[1].precision // NaN
 */
export function classificationReport(
  yTrue: readonly Label[] | readonly (readonly Label[])[],
  yPred: readonly Label[] | readonly (readonly Label[])[],
  opts: ReportOptions = {},
): ClassificationReport {
  if (yTrue.length !== yPred.length) throw new InvalidArgumentError('yPred', `length ${yPred.length} differs from yTrue length ${yTrue.length}`);
  const multilabel = yTrue.some((y) => Array.isArray(y)) || yPred.some((y) => Array.isArray(y));
  const asSet = (y: Label | readonly Label[]): Set<string> => new Set((Array.isArray(y) ? y : [y]).map(String));
  const trueSets = (yTrue as readonly (Label | readonly Label[])[]).map(asSet);
  const predSets = (yPred as readonly (Label | readonly Label[])[]).map(asSet);
  const zero = opts.zeroDivision ?? 'warn';
  checkZeroDivision(zero);
  const digits = opts.digits ?? 2;
  const present = new Map<string, Label>();
  for (const y of [...(yTrue as readonly (Label | readonly Label[])[]), ...(yPred as readonly (Label | readonly Label[])[])]) {
    for (const l of Array.isArray(y) ? y : [y]) present.set(String(l), l as Label);
  }
  const labels = (opts.labels ? [...opts.labels] : sortLabels([...present.values()])).map(String);
  if (opts.targetNames && opts.targetNames.length !== labels.length) {
    throw new InvalidArgumentError('targetNames', `has ${opts.targetNames.length} names for ${labels.length} labels`);
  }
  const names = opts.targetNames ? [...opts.targetNames] : labels;
  const counts: Counts[] = labels.map(() => ({ tp: 0, pred: 0, true: 0 }));
  const index = new Map(labels.map((l, i) => [l, i]));
  for (let n = 0; n < trueSets.length; n++) {
    const t = trueSets[n]!;
    const p = predSets[n]!;
    for (const l of t) {
      const i = index.get(l);
      if (i !== undefined) {
        counts[i]!.true++;
        if (p.has(l)) counts[i]!.tp++;
      }
    }
    for (const l of p) {
      const i = index.get(l);
      if (i !== undefined) counts[i]!.pred++;
    }
  }
  const warnings: string[] = [];
  const rows: LabelScores[] = labels.map((_, i) => ({ label: names[i]!, ...prfFromCounts(counts[i]!, zero, warnings, names[i]), support: counts[i]!.true }));
  const support = counts.reduce((a, c) => a + c.true, 0);
  const micro: Counts = counts.reduce((a, c) => ({ tp: a.tp + c.tp, pred: a.pred + c.pred, true: a.true + c.true }), { tp: 0, pred: 0, true: 0 });
  const microScores: Scores = { ...prfFromCounts(micro, zero), support };
  const macroAvg: Scores = { precision: average(rows.map((r) => r.precision)), recall: average(rows.map((r) => r.recall)), f1: average(rows.map((r) => r.f1)), support };
  const w = rows.map((r) => r.support);
  const weightedAvg: Scores = { precision: average(rows.map((r) => r.precision), w), recall: average(rows.map((r) => r.recall), w), f1: average(rows.map((r) => r.f1), w), support };
  const allPresent = [...present.keys()].every((l) => index.has(l));
  const report: ClassificationReport = { type: multilabel ? 'multilabel' : 'multiclass', labels: rows, macroAvg, weightedAvg, text: '', warnings };
  const tail: ({ name: string } & ({ accuracy: number; support: number } | Scores))[] = [];
  if (!multilabel && allPresent) {
    report.accuracy = microScores.f1;
    tail.push({ name: 'accuracy', accuracy: microScores.f1, support });
  } else {
    report.microAvg = microScores;
    tail.push({ name: 'micro avg', ...microScores });
  }
  tail.push({ name: 'macro avg', ...macroAvg }, { name: 'weighted avg', ...weightedAvg });
  if (multilabel) {
    const per = trueSets.map((t, n) => {
      const p = predSets[n]!;
      const tp = [...t].filter((l) => p.has(l) && index.has(l)).length;
      return prfFromCounts({ tp, pred: [...p].filter((l) => index.has(l)).length, true: [...t].filter((l) => index.has(l)).length }, zero);
    });
    report.samplesAvg = { precision: average(per.map((s) => s.precision)), recall: average(per.map((s) => s.recall)), f1: average(per.map((s) => s.f1)), support };
    tail.push({ name: 'samples avg', ...report.samplesAvg });
  }
  report.text = formatReport(rows, tail, digits);
  return report;
}

/**
 * The report in scikit-learn's `output_dict=True` shape.
 *
 * @example
 * reportToDict(classificationReport(yTrue, yPred))['macro avg']['f1-score']
 */
export function reportToDict(r: ClassificationReport): Record<string, number | Record<string, number>> {
  const row = (s: Scores) => ({ precision: s.precision, recall: s.recall, 'f1-score': s.f1, support: s.support });
  const out: Record<string, number | Record<string, number>> = {};
  for (const l of r.labels) out[l.label] = row(l);
  if (r.accuracy !== undefined) out['accuracy'] = r.accuracy;
  if (r.microAvg) out['micro avg'] = row(r.microAvg);
  out['macro avg'] = row(r.macroAvg);
  out['weighted avg'] = row(r.weightedAvg);
  if (r.samplesAvg) out['samples avg'] = row(r.samplesAvg);
  return out;
}
