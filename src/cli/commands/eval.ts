/**
 * `onramp eval --task <pack> --model <gguf> --data <file>`: runs a pack over labelled data and prints the
 * scikit-learn style report and a confusion matrix (classify), the multilabel report with per-label counts
 * (multilabel), seqeval entity-level reports (ner) or per-field exact match (extract), with a progress bar on
 * stderr. --json prints one document with `report` and per-example `predictions`.
 */
import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import { Engine } from '../../engine/Engine.js';
import { Model } from '../../engine/Model.js';
import type { EngineLike } from '../../engine/types.js';
import { InvalidArgumentError } from '../../errors.js';
import { formatConfusionMatrix } from '../../eval/confusion.js';
import { loadDataset, loadRecordDataset, parseLabelMap } from '../../eval/readers.js';
import { evalExtract, evalMultilabel, type EvalRun } from '../evalKinds.js';
import { evaluateClassification, evaluateNer, headPredictor, promptPredictor, type ClassPredictor } from '../../tasks/evaluate.js';
import { HeadRunner } from '../../tasks/heads/HeadRunner.js';
import { assertHeadFits } from '../../tasks/head.js';
import { builtinTaskDir, resolvePackArg } from '../../tasks/registry.js';
import { fitTemperature, softmax } from '../../tasks/scoring.js';
import type { TaskPack } from '../../tasks/pack.js';
import { engineOptionsFor } from './run.js';

interface Opts {
  task: string;
  model: string;
  data: string;
  json?: boolean;
  limit?: string;
  textField?: string;
  labelField?: string;
  labelMap?: string;
  labelDelimiter?: string;
  parallel: string;
  threads?: string;
  temperature?: string;
  fitTemperature?: boolean;
  progress: boolean;
  head?: string;
}

/**
 * Chooses how labels are predicted: prompt scoring by default. A trained head (--head) plugs in here with
 * `headPredictor(await HeadRunner.create(engine, file), labels)` from src/tasks/evaluate.ts.
 */
export async function predictorFor(pack: TaskPack, engine: EngineLike, o: { temperature?: number; concurrency: number; head?: string }): Promise<ClassPredictor> {
  // --head, else the pack's own head: eval scores the way `onramp run` and the server do
  const head = o.head ?? pack.head;
  if (head) {
    const runner = await HeadRunner.create(engine, head);
    assertHeadFits(pack, runner, o.head ? '--head' : 'head');
    return headPredictor(runner, pack.labels.map((l) => l.name));
  }
  return promptPredictor(pack, { engine, ...(o.temperature ? { temperature: o.temperature } : {}) }, o.concurrency);
}

function progressBar(enabled: boolean, total: number): { update(n: number): void; stop(): void } {
  if (!enabled) return { update() {}, stop() {} };
  const bar = new SingleBar({ stream: process.stderr, format: 'eval {bar} {value}/{total} | {eta_formatted} left | {rate}/s', hideCursor: true }, Presets.shades_classic);
  const t0 = Date.now();
  bar.start(total, 0, { rate: '0.0' });
  return {
    update: (n) => bar.update(n, { rate: (n / Math.max(0.001, (Date.now() - t0) / 1000)).toFixed(1) }),
    stop: () => bar.stop(),
  };
}

const EVAL_KINDS: readonly string[] = ['classify', 'multilabel', 'ner', 'extract'];

const pick = <T extends object>(r: T, keys: (keyof T)[]) => Object.fromEntries(keys.filter((k) => r[k] !== undefined).map((k) => [k, r[k]]));

/** Registers `onramp eval`. */
export function register(program: Command): void {
  program
    .command('eval')
    .description('evaluate a task pack on labelled data: per-label precision/recall/F1 and a confusion matrix (classify, multilabel), entity F1 (ner), per-field exact match (extract)')
    .requiredOption('--task <pack>', 'task pack: built-in id or .yaml/.json file')
    .requiredOption('--model <gguf>', 'GGUF model file')
    .requiredOption('--data <file>', 'labelled data: .csv, .tsv, .jsonl, .json (text + label) or CoNLL (ner)')
    .option('--limit <n>', 'evaluate only the first n examples (sentences for ner)')
    .option('--text-field <f>', 'text column/key (default: text, sentence, review, content, input)')
    .option('--label-field <f>', 'label column/key (default: label, category, intent, labels, target; extract: the gold object, default label, labels, target, output, gold, record, data)')
    .option('--label-map <map>', 'raw=name pairs, e.g. 0=negative,1=positive')
    .option('--label-delimiter <d>', 'multilabel: separator of the labels in a CSV/TSV cell (default |); JSON arrays need none')
    .option('--temperature <T>', 'softmax temperature for label scoring')
    .option('--fit-temperature', 'also fit a softmax temperature on this data (reports NLL before/after)')
    .option('--parallel <n>', 'engine slots (concurrent requests)', '4')
    .option('--threads <n>', 'decode threads (default: the engine default)')
    .option('--head <file>', 'score labels with this trained head (onramp train-head) instead of prompt scoring')
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print one JSON document: report + per-example predictions')
    .action(async (o: Opts) => {
      const pack = resolvePackArg(o.task, [builtinTaskDir()]);
      const limit = o.limit === undefined ? Infinity : Number(o.limit);
      if (!(limit > 0) || (limit !== Infinity && !Number.isInteger(limit))) throw new InvalidArgumentError('limit', 'must be a positive integer');
      const parallel = Number(o.parallel);
      if (!Number.isInteger(parallel) || parallel < 1) throw new InvalidArgumentError('parallel', 'must be a positive integer');
      const temperature = o.temperature === undefined ? undefined : Number(o.temperature);
      if (temperature !== undefined && !(temperature > 0)) throw new InvalidArgumentError('temperature', 'must be a positive number');
      if (!EVAL_KINDS.includes(pack.kind)) throw new InvalidArgumentError('task', `eval supports ${EVAL_KINDS.join(', ')} packs; ${pack.id} is ${pack.kind}`);
      if (o.fitTemperature && pack.kind !== 'classify') throw new InvalidArgumentError('fitTemperature', 'only for classify packs');
      if (o.labelDelimiter !== undefined && pack.kind !== 'multilabel') throw new InvalidArgumentError('labelDelimiter', 'only for multilabel packs');
      if (pack.kind === 'extract') {
        const unused = (['labelMap', 'head', 'temperature'] as const).find((k) => o[k] !== undefined);
        if (unused) throw new InvalidArgumentError(unused, 'not used by extract packs');
      }
      const fields = { ...(o.textField ? { textField: o.textField } : {}), ...(o.labelField ? { labelField: o.labelField } : {}) };
      const records = pack.kind === 'extract' ? loadRecordDataset(o.data, fields) : undefined;
      const ds = records
        ? undefined
        : loadDataset(o.data, {
            ...fields,
            ...(o.labelMap ? { labelMap: parseLabelMap(o.labelMap) } : {}),
            ...(pack.kind === 'ner' ? { format: 'conll' as const } : {}),
            ...(pack.kind === 'multilabel' ? { labelDelimiter: o.labelDelimiter ?? '|' } : {}),
          });
      if (pack.kind === 'ner' && ds?.kind !== 'conll') throw new InvalidArgumentError('data', 'a ner task needs CoNLL data');
      if (pack.kind === 'multilabel' && ds?.kind !== 'text') throw new InvalidArgumentError('data', 'a multilabel task needs text + labels data, not CoNLL');
      const model = await Model.load(o.model);
      const engine = await Engine.create(model, engineOptionsFor(pack, parallel, o.threads));
      const meta = { task: { id: pack.id, version: pack.version, kind: pack.kind }, model: o.model, data: o.data };
      try {
        const evalRun = (total: number): EvalRun => {
          const bar = progressBar(o.progress, total);
          return { pack, engine, data: o.data, json: !!o.json, parallel, meta, onProgress: (n) => bar.update(n), onDone: () => bar.stop() };
        };
        if (records) {
          const items = records.slice(0, limit);
          await evalExtract(evalRun(items.length), items);
          return;
        }
        if (!ds) return;
        if (pack.kind === 'multilabel' && ds.kind === 'text') {
          const items = ds.examples.slice(0, limit);
          const head = o.head ? await HeadRunner.create(engine, o.head) : undefined;
          if (head) assertHeadFits(pack, head, '--head');
          await evalMultilabel(evalRun(items.length), items, { ...(temperature ? { temperature } : {}), ...(head ? { head } : {}) });
          return;
        }
        if (ds.kind === 'conll') {
          const sentences = ds.sentences.slice(0, limit);
          // --head (else the pack's own head, through runTask) tags tokens instead of generating entity JSON
          const head = o.head ? await HeadRunner.create(engine, o.head) : undefined;
          if (head) assertHeadFits(pack, head, '--head');
          const predictor = head || pack.head ? 'head' : 'prompt';
          const bar = progressBar(o.progress, sentences.length);
          const ev = await evaluateNer(pack, sentences, { engine, concurrency: parallel, onProgress: (n) => bar.update(n), ...(head ? { head } : {}) });
          bar.stop();
          if (o.json) {
            const rep = (r: typeof ev.entity) => ({ labels: r.labels, microAvg: r.microAvg, macroAvg: r.macroAvg, weightedAvg: r.weightedAvg });
            process.stdout.write(JSON.stringify({ ...meta, predictor, examples: ev.sentences, seconds: ev.seconds, textsPerSecond: ev.textsPerSecond, report: rep(ev.entity), strictReport: rep(ev.strict), tokenReport: pick(ev.token, ['labels', 'microAvg', 'macroAvg', 'weightedAvg']), predictions: ev.predictions }) + '\n');
          } else {
            const failed = ev.predictions.filter((p) => p.error).length;
            process.stdout.write(`${pack.id} ${pack.version} on ${o.data}: ${ev.sentences} sentences, ${ev.textsPerSecond.toFixed(2)} sentences/s (${predictor} scoring)${failed ? `, ${failed} invalid outputs counted as no entities` : ''}\n\n`);
            process.stdout.write(`ENTITY-LEVEL (seqeval default, conlleval-like)\n${ev.entity.text || '(no entities in gold or predictions)\n'}\n`);
            process.stdout.write(`ENTITY-LEVEL (seqeval strict, IOB2)\n${ev.strict.text || '(no entities)\n'}\n`);
            process.stdout.write(`${ev.token.text}`);
          }
          return;
        }
        const examples = ds.examples.slice(0, limit);
        const labels = new Set(pack.labels.map((l) => l.name));
        if (!examples.some((e) => labels.has(Array.isArray(e.label) ? e.label[0] ?? '' : e.label))) {
          process.stderr.write(`onramp: warning: no gold label matches the pack's labels (${[...labels].slice(0, 5).join(', ')}…); use --label-map\n`);
        }
        const predictor = await predictorFor(pack, engine, { ...(temperature ? { temperature } : {}), concurrency: parallel, ...(o.head ? { head: o.head } : {}) });
        const bar = progressBar(o.progress, examples.length);
        const ev = await evaluateClassification(predictor, examples, { batchSize: Math.max(parallel * 2, 8), ...(pack.thresholds.abstain !== undefined ? { abstain: pack.thresholds.abstain } : {}), onProgress: (n) => bar.update(n) });
        bar.stop();
        let calibration: { temperature: number; nllBefore: number; nllAfter: number } | undefined;
        if (o.fitTemperature) {
          const rows = ev.predictions.map((p) => predictor.labels.map((l) => Math.log(Math.max(p.probabilities[l] ?? 0, 1e-300))));
          const gold = ev.predictions.map((p) => predictor.labels.indexOf(Array.isArray(p.gold) ? p.gold[0]! : p.gold));
          const keep = gold.map((g, i) => [g, i] as const).filter(([g]) => g >= 0);
          const X = keep.map(([, i]) => rows[i]!);
          const y = keep.map(([g]) => g);
          const T = fitTemperature(X, y);
          const nll = (t: number) => -X.reduce((a, x, i) => a + Math.log(softmax(x, t)[y[i]!]!), 0) / Math.max(1, X.length);
          calibration = { temperature: T * (temperature ?? pack.scoring.temperature), nllBefore: nll(1), nllAfter: nll(T) };
        }
        const r = ev.report;
        const report = { labels: r.labels, ...pick(r, ['accuracy', 'microAvg']), macroAvg: r.macroAvg, weightedAvg: r.weightedAvg };
        if (o.json) {
          process.stdout.write(JSON.stringify({ ...meta, predictor: ev.predictor, examples: ev.examples, seconds: ev.seconds, textsPerSecond: ev.textsPerSecond, ...(calibration ? { calibration } : {}), report, confusion: ev.confusion, predictions: ev.predictions }) + '\n');
          return;
        }
        process.stdout.write(`${pack.id} ${pack.version} on ${o.data}: ${ev.examples} examples, ${ev.textsPerSecond.toFixed(2)} texts/s (${ev.predictor} scoring)\n\n`);
        process.stdout.write(r.text + '\n');
        if (ev.confusion.labels.length <= 30) process.stdout.write(`Confusion matrix (rows: gold, columns: predicted)\n${formatConfusionMatrix(ev.confusion)}`);
        else {
          const pairs: [string, string, number][] = [];
          ev.confusion.matrix.forEach((row, i) => row.forEach((v, j) => i !== j && v > 0 && pairs.push([ev.confusion.labels[i]!, ev.confusion.labels[j]!, v])));
          pairs.sort((a, b) => b[2] - a[2]);
          process.stdout.write(`Top confusions (${ev.confusion.labels.length} labels; --json has the full matrix)\n${pairs.slice(0, 15).map(([g, p, v]) => `  ${String(v).padStart(4)}  ${g} → ${p}`).join('\n')}\n`);
        }
        if (calibration) process.stdout.write(`\nFitted temperature ${calibration.temperature.toFixed(3)}: NLL ${calibration.nllBefore.toFixed(4)} → ${calibration.nllAfter.toFixed(4)}\n`);
      } finally {
        await engine.dispose();
        await model.dispose();
      }
    });
}
