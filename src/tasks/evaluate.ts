/**
 * Evaluation of a task on labelled data. Classification goes through a `ClassPredictor` strategy
 * (`predict(texts) -> probabilities`): prompt scoring by default, a trained head (`headPredictor`) or any other
 * scorer can replace it. NER runs the pack per sentence and scores entities like seqeval.
 */
import { classificationReport, type ClassificationReport } from '../eval/classificationReport.js';
import { confusionMatrix, type ConfusionMatrix } from '../eval/confusion.js';
import { entityReport, tokenReport, type EntityReport } from '../eval/seqeval.js';
import type { ConllSentence, TextExample } from '../eval/readers.js';
import { InvalidArgumentError } from '../errors.js';
import { classifyProbabilities } from './adapters/classify.js';
import { runTask } from './runTask.js';
import { fitTemperature, softmax } from './scoring.js';
import type { TaskPack } from './pack.js';
import type { HeadRunnerLike, NerEntity, NerResult, RunTaskOptions } from './types.js';

/** Turns texts into label probabilities (each row in `labels` order, summing to 1). */
export interface ClassPredictor {
  readonly labels: readonly string[];
  readonly name: string;
  predict(texts: string[], signal?: AbortSignal): Promise<number[][]>;
}

/**
 * Maps `items` through `fn` with at most `concurrency` calls in flight; results keep the input order.
 *
 * @example
 * const lengths = await pool(texts, 4, async (t) => t.length)
 */
export async function pool<T, R>(items: readonly T[], concurrency: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!, i);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return out;
}

/**
 * Prompt scoring as a predictor (concurrent requests let the engine batch across slots).
 *
 * @example
 * const predictor = promptPredictor(pack, { engine }, 4)
 */
export function promptPredictor(pack: TaskPack, opts: RunTaskOptions, concurrency = 4): ClassPredictor {
  return {
    labels: pack.labels.map((l) => l.name),
    name: 'prompt',
    predict: (texts, signal) => pool(texts, concurrency, async (t) => (await classifyProbabilities(pack, t, { ...opts, ...(signal ? { signal } : {}) })).probs),
  };
}

/**
 * A trained head as a predictor; probabilities are reordered to `labels`.
 *
 * @example
 * const predictor = headPredictor(await HeadRunner.create(engine, 'head.json'), pack.labels.map((l) => l.name))
 */
export function headPredictor(head: HeadRunnerLike, labels: readonly string[]): ClassPredictor {
  return {
    labels,
    name: 'head',
    async predict(texts, signal) {
      const preds = await head.predict(texts, signal ? { signal } : {});
      return preds.map((p) => {
        if (p.kind !== 'softmax' && p.kind !== 'sigmoid') throw new InvalidArgumentError('head', `a ${p.kind} head cannot classify`);
        const by = new Map(p.scores.map((s) => [s.label, s.score]));
        return labels.map((l) => by.get(l) ?? 0);
      });
    },
  };
}

export interface ClassificationPrediction {
  gold: string | string[];
  predicted: string;
  /** Every label's probability. */
  probabilities: Record<string, number>;
}

export interface ClassificationEval {
  report: ClassificationReport;
  confusion: ConfusionMatrix;
  predictions: ClassificationPrediction[];
  examples: number;
  seconds: number;
  textsPerSecond: number;
  predictor: string;
}

export interface EvalOptions {
  /** Texts per predict() call (default 16). */
  batchSize?: number;
  /** Probability below which the prediction is `unknown` (the pack's abstain threshold). */
  abstain?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/**
 * Predicts every example and builds the sklearn report, the confusion matrix and per-example predictions.
 *
 * @example
 * const ev = await evaluateClassification(promptPredictor(pack, { engine }), examples)
 * console.log(ev.report.text)
 */
export async function evaluateClassification(predictor: ClassPredictor, examples: readonly TextExample[], opts: EvalOptions = {}): Promise<ClassificationEval> {
  const bs = opts.batchSize ?? 16;
  const t0 = performance.now();
  const predictions: ClassificationPrediction[] = [];
  for (let i = 0; i < examples.length; i += bs) {
    const batch = examples.slice(i, i + bs);
    const probs = await predictor.predict(batch.map((e) => e.text), opts.signal);
    batch.forEach((e, k) => {
      const p = probs[k]!;
      let best = 0;
      for (let j = 1; j < p.length; j++) if (p[j]! > p[best]!) best = j;
      const predicted = opts.abstain !== undefined && p[best]! < opts.abstain ? 'unknown' : predictor.labels[best]!;
      predictions.push({ gold: e.label, predicted, probabilities: Object.fromEntries(predictor.labels.map((l, j) => [l, p[j]!])) });
    });
    opts.onProgress?.(predictions.length, examples.length);
  }
  const seconds = (performance.now() - t0) / 1000;
  const gold = predictions.map((p) => (Array.isArray(p.gold) ? p.gold.join('|') : p.gold));
  const pred = predictions.map((p) => p.predicted);
  const labels = [...new Set([...predictor.labels, ...gold, ...pred])];
  const present = new Set([...gold, ...pred]);
  const reportLabels = labels.filter((l) => present.has(l)).sort();
  return {
    report: classificationReport(gold, pred, { labels: reportLabels }),
    confusion: confusionMatrix(gold, pred, reportLabels),
    predictions,
    examples: predictions.length,
    seconds,
    textsPerSecond: predictions.length / Math.max(seconds, 1e-9),
    predictor: predictor.name,
  };
}

/**
 * Token tags (IOB2) of a sentence whose text is `tokens.join(' ')`, from entities with character offsets.
 *
 * @example
 * entitiesToTags(['John', 'Smith', 'left'], [{ entity_group: 'PER', start: 0, end: 10, … }]) // ['B-PER', 'I-PER', 'O']
 */
export function entitiesToTags(tokens: readonly string[], entities: readonly Pick<NerEntity, 'entity_group' | 'start' | 'end'>[]): string[] {
  const spans: [number, number][] = [];
  let at = 0;
  for (const t of tokens) {
    spans.push([at, at + t.length]);
    at += t.length + 1;
  }
  const tags = tokens.map(() => 'O');
  for (const e of entities) {
    let first = true;
    spans.forEach(([s, en], i) => {
      if (s < e.end && en > e.start && tags[i] === 'O') {
        tags[i] = `${first ? 'B' : 'I'}-${e.entity_group}`;
        first = false;
      }
    });
  }
  return tags;
}

export interface NerEval {
  entity: EntityReport;
  strict: EntityReport;
  token: ClassificationReport & { title: string };
  predictions: { gold: string[]; predicted: string[]; entities: NerEntity[]; error?: string }[];
  sentences: number;
  seconds: number;
  textsPerSecond: number;
}

/**
 * Runs a ner pack on CoNLL sentences (text = tokens joined by spaces) and scores the entities.
 * Sentences whose output fails validation count as predicting no entity (the error is kept).
 *
 * @example
 * const ev = await evaluateNer(pack, sentences, { engine })
 * ev.entity.microAvg.f1
 */
export async function evaluateNer(pack: TaskPack, sentences: readonly ConllSentence[], opts: RunTaskOptions & Omit<EvalOptions, 'abstain' | 'batchSize'> & { concurrency?: number }): Promise<NerEval> {
  const t0 = performance.now();
  let done = 0;
  const predictions = await pool(sentences, opts.concurrency ?? 4, async (s) => {
    let entities: NerEntity[] = [];
    let error: string | undefined;
    try {
      // evaluation measures the model, as the classify/multilabel/extract evaluations do: no safety masking
      // unless the caller asks for it (a blocked sentence would otherwise stop the run)
      entities = ((await runTask(pack, s.tokens.join(' '), { ...opts, safety: opts.safety ?? false })) as NerResult).entities;
    } catch (e) {
      if ((e as { code?: string }).code !== 'OUTPUT_VALIDATION') throw e;
      error = (e as Error).message;
    }
    opts.onProgress?.(++done, sentences.length);
    return { gold: s.tags, predicted: entitiesToTags(s.tokens, entities), entities, ...(error ? { error } : {}) };
  });
  const seconds = (performance.now() - t0) / 1000;
  const gold = predictions.map((p) => p.gold);
  const pred = predictions.map((p) => p.predicted);
  return {
    entity: entityReport(gold, pred),
    strict: entityReport(gold, pred, { mode: 'strict' }),
    token: tokenReport(gold, pred),
    predictions,
    sentences: predictions.length,
    seconds,
    textsPerSecond: predictions.length / Math.max(seconds, 1e-9),
  };
}

/**
 * Fits the softmax temperature of a classify pack on labelled dev examples (prompt scoring at T = 1, then
 * `fitTemperature` on the label scores); pass the result as `runTask(..., { temperature })`.
 *
 * @example
 * const { temperature } = await fitPackTemperature(pack, devExamples, { engine })
 */
export async function fitPackTemperature(pack: TaskPack, examples: readonly TextExample[], opts: RunTaskOptions & { concurrency?: number }): Promise<{ temperature: number; nllBefore: number; nllAfter: number; used: number }> {
  const names = pack.labels.map((l) => l.name);
  const usable = examples.filter((e) => names.includes(Array.isArray(e.label) ? e.label[0] ?? '' : e.label));
  if (!usable.length) throw new InvalidArgumentError('examples', "no example has one of the pack's labels");
  const rows = await pool(usable, opts.concurrency ?? 4, async (e) => {
    const { logits } = await classifyProbabilities(pack, e.text, { ...opts, temperature: 1 });
    // Chunked inputs: average the per-chunk label scores.
    return logits[0]!.map((_, j) => logits.reduce((a, l) => a + l[j]!, 0) / logits.length);
  });
  const gold = usable.map((e) => names.indexOf(Array.isArray(e.label) ? e.label[0]! : e.label));
  const temperature = fitTemperature(rows, gold);
  const nll = (t: number) => -rows.reduce((a, x, i) => a + Math.log(softmax(x, t)[gold[i]!]!), 0) / rows.length;
  return { temperature, nllBefore: nll(1), nllAfter: nll(temperature), used: rows.length };
}
