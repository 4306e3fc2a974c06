/**
 * Confusion matrix (rows = gold, columns = predicted), like sklearn's `confusion_matrix`, plus a text layout.
 */
import { padLeft } from './format.js';

export interface ConfusionMatrix {
  labels: string[];
  /** matrix[i][j] = examples with gold labels[i] predicted as labels[j]. */
  matrix: number[][];
}

/**
 * Counts gold/predicted pairs. Labels default to the sorted union; pairs with a label outside `labels` are skipped.
 *
 * @example
 * confusionMatrix(['a', 'b', 'a'], ['a', 'a', 'b']).matrix // [[1, 1], [1, 0]]
 */
export function confusionMatrix(yTrue: readonly (string | number)[], yPred: readonly (string | number)[], labels?: readonly (string | number)[]): ConfusionMatrix {
  const ls = (labels ?? [...new Set([...yTrue, ...yPred].map(String))].sort()).map(String);
  const index = new Map(ls.map((l, i) => [l, i]));
  const matrix = ls.map(() => ls.map(() => 0));
  yTrue.forEach((t, n) => {
    const i = index.get(String(t));
    const j = index.get(String(yPred[n]));
    if (i !== undefined && j !== undefined) matrix[i]![j]!++;
  });
  return { labels: ls, matrix };
}

/**
 * Text table of a confusion matrix. Wide label sets use column numbers in the header with a legend.
 *
 * @example
 * console.log(formatConfusionMatrix(confusionMatrix(gold, pred)))
 */
export function formatConfusionMatrix(cm: ConfusionMatrix, opts: { maxLabelWidth?: number } = {}): string {
  const maxW = opts.maxLabelWidth ?? 24;
  const names = cm.labels.map((l) => (l.length > maxW ? l.slice(0, maxW - 1) + '…' : l));
  const rowW = Math.max('gold \\ pred'.length, ...names.map((n) => n.length));
  const narrow = names.every((n) => n.length <= 10) && names.length <= 12;
  const heads = narrow ? names : names.map((_, i) => String(i));
  const cellW = Math.max(3, ...heads.map((h) => h.length), ...cm.matrix.flat().map((v) => String(v).length));
  const lines = [`${padLeft('gold \\ pred', rowW + (narrow ? 0 : 5))} ${heads.map((h) => padLeft(h, cellW)).join(' ')}`];
  cm.matrix.forEach((row, i) => {
    const name = narrow ? padLeft(names[i]!, rowW) : `${padLeft(String(i), 3)}  ${padLeft(names[i]!, rowW)}`;
    lines.push(`${name} ${row.map((v) => padLeft(String(v), cellW)).join(' ')}`);
  });
  return lines.join('\n') + '\n';
}

/** Per-label 2×2 counts of multilabel predictions, like sklearn's `multilabel_confusion_matrix`. */
export interface MultilabelConfusion {
  labels: string[];
  /** matrices[i] = [[tn, fp], [fn, tp]] for labels[i]. */
  matrices: [[number, number], [number, number]][];
}

/**
 * Counts, per label, the examples where it is in gold and/or in the prediction.
 *
 * @example
 * multilabelConfusion([['a'], ['a', 'b']], [['a', 'b'], []], ['a', 'b']).matrices[1] // [[0, 1], [1, 0]]
 */
export function multilabelConfusion(yTrue: readonly (readonly string[])[], yPred: readonly (readonly string[])[], labels: readonly string[]): MultilabelConfusion {
  const matrices = labels.map((l) => {
    const m: [[number, number], [number, number]] = [[0, 0], [0, 0]];
    yTrue.forEach((t, n) => m[t.includes(l) ? 1 : 0][(yPred[n] ?? []).includes(l) ? 1 : 0]++);
    return m;
  });
  return { labels: [...labels], matrices };
}

/**
 * Text table of per-label multilabel counts (tp, fp, fn, tn).
 *
 * @example
 * console.log(formatMultilabelConfusion(multilabelConfusion(gold, pred, labels)))
 */
export function formatMultilabelConfusion(c: MultilabelConfusion): string {
  const w = Math.max('label'.length, ...c.labels.map((l) => l.length));
  const cells = ['tp', 'fp', 'fn', 'tn'];
  const cw = Math.max(5, ...c.matrices.flat(2).map((v) => String(v).length));
  const lines = [`${padLeft('label', w)} ${cells.map((h) => padLeft(h, cw)).join(' ')}`];
  c.matrices.forEach(([[tn, fp], [fn, tp]], i) => lines.push(`${padLeft(c.labels[i]!, w)} ${[tp, fp, fn, tn].map((v) => padLeft(String(v), cw)).join(' ')}`));
  return lines.join('\n') + '\n';
}
