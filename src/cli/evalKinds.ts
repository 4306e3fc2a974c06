/**
 * `onramp eval` for multilabel and extract packs: run the evaluation and print the human report or the one
 * `--json` document (`report` + per-example `predictions` from which the report recomputes).
 */
import type { EngineLike } from '../engine/types.js';
import { formatMultilabelConfusion } from '../eval/confusion.js';
import type { RecordExample, TextExample } from '../eval/readers.js';
import { evaluateExtract } from '../tasks/evaluateExtract.js';
import { evaluateMultilabel, multilabelPredictor } from '../tasks/evaluateMultilabel.js';
import type { TaskPack } from '../tasks/pack.js';
import type { HeadRunnerLike } from '../tasks/types.js';

/** What every eval run shares: the pack, output mode, concurrency and progress. */
export interface EvalRun {
  pack: TaskPack;
  engine: EngineLike;
  data: string;
  json: boolean;
  parallel: number;
  onProgress: (done: number) => void;
  /** Called when scoring ends, before anything is printed (stops the progress bar). */
  onDone: () => void;
  /** Printed first in the JSON document (task, model, data). */
  meta: Record<string, unknown>;
}

const write = (s: string) => process.stdout.write(s);

/**
 * Evaluates a multilabel pack and prints the sklearn multilabel report and per-label tp/fp/fn/tn counts.
 *
 * @example
 * await evalMultilabel(run, examples, { temperature: 1 })
 */
export async function evalMultilabel(run: EvalRun, examples: readonly TextExample[], o: { temperature?: number; head?: HeadRunnerLike }): Promise<void> {
  const { pack } = run;
  const names = new Set(pack.labels.map((l) => l.name));
  if (examples.length && !examples.some((e) => (Array.isArray(e.label) ? e.label : [e.label]).some((l) => names.has(l)))) {
    process.stderr.write(`onramp: warning: no gold label matches the pack's labels (${[...names].slice(0, 5).join(', ')}…); use --label-map or --label-delimiter\n`);
  }
  const predictor = multilabelPredictor(pack, { engine: run.engine, ...(o.temperature ? { temperature: o.temperature } : {}), ...(o.head ? { head: o.head } : {}) }, run.parallel);
  const ev = await evaluateMultilabel(predictor, examples, { batchSize: Math.max(run.parallel * 2, 8), onProgress: run.onProgress });
  run.onDone();
  const r = ev.report;
  if (run.json) {
    const report = { labels: r.labels, microAvg: r.microAvg, macroAvg: r.macroAvg, weightedAvg: r.weightedAvg, samplesAvg: r.samplesAvg };
    write(JSON.stringify({ ...run.meta, predictor: ev.predictor, examples: ev.examples, seconds: ev.seconds, textsPerSecond: ev.textsPerSecond, thresholds: ev.thresholds, report, confusion: ev.confusion, predictions: ev.predictions }) + '\n');
    return;
  }
  write(`${pack.id} ${pack.version} on ${run.data}: ${ev.examples} examples, ${ev.textsPerSecond.toFixed(2)} texts/s (${ev.predictor} scoring, multilabel)\n\n`);
  write(r.text + '\n');
  write(`Per-label counts (multilabel confusion)\n${formatMultilabelConfusion(ev.confusion)}`);
}

/**
 * Evaluates an extract pack and prints per-field accuracy, the schema-valid rate and the exact-match rate.
 *
 * @example
 * await evalExtract(run, records)
 */
export async function evalExtract(run: EvalRun, examples: readonly RecordExample[]): Promise<void> {
  const { pack } = run;
  const ev = await evaluateExtract(pack, examples, { engine: run.engine, concurrency: run.parallel, onProgress: run.onProgress });
  run.onDone();
  if (run.json) {
    write(JSON.stringify({ ...run.meta, examples: ev.examples, seconds: ev.seconds, textsPerSecond: ev.textsPerSecond, fields: ev.fields, report: { ...ev.report, text: undefined }, predictions: ev.predictions }) + '\n');
    return;
  }
  write(`${pack.id} ${pack.version} on ${run.data}: ${ev.examples} examples, ${ev.textsPerSecond.toFixed(2)} texts/s (extract: exact match after normalization)\n\n`);
  write(ev.report.text);
  const invalid = ev.predictions.filter((p) => !p.valid);
  if (invalid.length) write(`\n${invalid.length} invalid output(s), counted wrong on every field; first: ${invalid[0]!.error}\n`);
}
