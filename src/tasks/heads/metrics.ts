/**
 * Small metrics for the training loop's per-epoch report: accuracy and macro-F1 over label indices
 * (computed with src/eval's classificationReport).
 */
import { classificationReport } from '../../eval/classificationReport.js';

/**
 * Accuracy and macro-F1 over label indices, from src/eval's sklearn-compatible classification report.
 *
 * @example
 * accuracyMacroF1([0, 1, 1], [0, 1, 0]) // { accuracy: 0.667, macroF1: 0.667 }
 */
export function accuracyMacroF1(gold: ArrayLike<number>, pred: ArrayLike<number>): { accuracy: number; macroF1: number } {
  const r = classificationReport(Array.from(gold), Array.from(pred), { zeroDivision: 0 });
  const accuracy = r.accuracy ?? Array.from(gold).filter((g, i) => g === pred[i]).length / Math.max(1, gold.length);
  return { accuracy, macroF1: r.macroAvg.f1 };
}

/**
 * Row-wise argmax of an n x k matrix.
 *
 * @example
 * argmaxRows(Float64Array.of(0.1, 0.9, 0.8, 0.2), 2, 2) // [1, 0]
 */
export function argmaxRows(m: Float64Array, n: number, k: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let r = 0; r < n; r++) {
    let b = 0;
    for (let c = 1; c < k; c++) if (m[r * k + c]! > m[r * k + b]!) b = c;
    out[r] = b;
  }
  return out;
}

/**
 * Dev metrics for a head kind from activations and targets: accuracy + macro-F1 (softmax, token),
 * micro-F1 at 0.5 (sigmoid), MSE (linear).
 *
 * @example
 * const m = headMetrics('softmax', outputs, targets, n, k)
 */
export function headMetrics(kind: 'softmax' | 'sigmoid' | 'linear' | 'token', out: Float64Array, y: Float64Array, n: number, k: number): Record<string, number> {
  if (kind === 'linear') {
    let se = 0;
    for (let i = 0; i < n * k; i++) se += (out[i]! - y[i]!) ** 2;
    return { mse: n ? se / (n * k) : 0 };
  }
  if (kind === 'sigmoid') {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < n * k; i++) {
      const p = out[i]! >= 0.5;
      const g = y[i]! >= 0.5;
      if (p && g) tp++;
      else if (p) fp++;
      else if (g) fn++;
    }
    return { microF1: tp ? (2 * tp) / (2 * tp + fp + fn) : 0 };
  }
  return accuracyMacroF1(argmaxRows(y, n, k), argmaxRows(out, n, k));
}
