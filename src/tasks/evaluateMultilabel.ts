/**
 * Evaluation of multilabel packs: every example's gold is a list of labels, the prediction is the labels whose
 * P(yes) reaches their threshold. The report is scikit-learn's multilabel `classification_report` (per label,
 * micro, macro, weighted and samples averages) over the labels present in gold or predictions, plus per-label
 * tp/fp/fn/tn counts.
 */
import { classificationReport, type ClassificationReport } from '../eval/classificationReport.js';
import { multilabelConfusion, type MultilabelConfusion } from '../eval/confusion.js';
import type { TextExample } from '../eval/readers.js';
import { multilabel } from './adapters/multilabel.js';
import { pool, type EvalOptions } from './evaluate.js';
import type { TaskPack } from './pack.js';
import type { RunTaskOptions } from './types.js';

/** Turns texts into per-label P(yes) (each row in `labels` order); a label is predicted at or above its threshold. */
export interface MultilabelPredictor {
  readonly labels: readonly string[];
  readonly thresholds: readonly number[];
  readonly name: string;
  predict(texts: string[], signal?: AbortSignal): Promise<number[][]>;
}

/**
 * The pack's own multilabel scorer as a predictor: yes/no prompt scoring, or its head / `opts.head` when given.
 * Thresholds are `labels[].threshold`, else `thresholds.multilabel`.
 *
 * @example
 * const predictor = multilabelPredictor(pack, { engine }, 4)
 */
export function multilabelPredictor(pack: TaskPack, opts: RunTaskOptions, concurrency = 4): MultilabelPredictor {
  const labels = pack.labels.map((l) => l.name);
  return {
    labels,
    thresholds: pack.labels.map((l) => l.threshold ?? pack.thresholds.multilabel),
    name: opts.head || pack.head ? 'head' : 'prompt',
    predict: (texts: string[], signal?: AbortSignal) =>
      pool(texts, concurrency, async (t) => {
        const r = await multilabel(pack, t, { ...opts, ...(signal ? { signal } : {}) });
        return labels.map((l) => r.explanation.labelProbabilities?.[l] ?? 0);
      }),
  };
}

export interface MultilabelPrediction {
  gold: string[];
  /** Labels at or above their threshold, most probable first. */
  predicted: string[];
  /** Every label's P(yes). */
  probabilities: Record<string, number>;
}

export interface MultilabelEval {
  report: ClassificationReport;
  confusion: MultilabelConfusion;
  predictions: MultilabelPrediction[];
  /** Each label's decision threshold. */
  thresholds: Record<string, number>;
  examples: number;
  seconds: number;
  textsPerSecond: number;
  predictor: string;
}

/**
 * Predicts every example and builds the multilabel report. A string gold label is a list of one.
 * `classificationReport(predictions.map((p) => p.gold), predictions.map((p) => p.predicted))` recomputes the report.
 *
 * @example
 * const ev = await evaluateMultilabel(multilabelPredictor(pack, { engine }), [{ text: 'dirty room, rude staff', label: ['cleanliness', 'service'] }])
 * console.log(ev.report.text)
 */
export async function evaluateMultilabel(predictor: MultilabelPredictor, examples: readonly TextExample[], opts: Omit<EvalOptions, 'abstain'> = {}): Promise<MultilabelEval> {
  const bs = opts.batchSize ?? 16;
  const t0 = performance.now();
  const predictions: MultilabelPrediction[] = [];
  for (let i = 0; i < examples.length; i += bs) {
    const batch = examples.slice(i, i + bs);
    const probs = await predictor.predict(batch.map((e) => e.text), opts.signal);
    batch.forEach((e, k) => {
      const p = probs[k]!;
      const on = predictor.labels.map((l, j) => ({ l, p: p[j]! })).filter((x, j) => x.p >= predictor.thresholds[j]!);
      predictions.push({
        gold: Array.isArray(e.label) ? [...e.label] : e.label === '' ? [] : [e.label],
        predicted: on.sort((a, b) => b.p - a.p).map((x) => x.l),
        probabilities: Object.fromEntries(predictor.labels.map((l, j) => [l, p[j]!])),
      });
    });
    opts.onProgress?.(predictions.length, examples.length);
  }
  const seconds = (performance.now() - t0) / 1000;
  const gold = predictions.map((p) => p.gold);
  const pred = predictions.map((p) => p.predicted);
  const present = [...new Set([...gold.flat(), ...pred.flat()])].sort();
  // Nothing in gold or predictions: report the predictor's labels (all zero) rather than an empty table.
  const labels = present.length ? present : [...predictor.labels].sort();
  return {
    report: classificationReport(gold, pred, present.length ? {} : { labels }),
    confusion: multilabelConfusion(gold, pred, labels),
    predictions,
    thresholds: Object.fromEntries(predictor.labels.map((l, j) => [l, predictor.thresholds[j]!])),
    examples: predictions.length,
    seconds,
    textsPerSecond: predictions.length / Math.max(seconds, 1e-9),
    predictor: predictor.name,
  };
}
