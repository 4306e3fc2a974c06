#!/usr/bin/env node
/**
 * Task-adapter measurements (docs/tasks.md): `onramp eval` on dev splits with a GGUF model (SST-2 and
 * BANKING77 by label scoring, WNUT-17 by ner) next to a bag-of-words logistic-regression baseline trained on
 * the train side of the same splits, and classify throughput with 2, 5 and 77 labels.
 *
 *   npx tsc -p tsconfig.json && node bench/tasks.mjs [--model ../shared/models/stories260K.gguf]
 *     [--threads 1] [--parallel 4] [--sst2 872] [--banking 300] [--wnut 150] [--speed 64] [--out .cache/tasks-bench/results.json]
 *
 * BANKING77 has no dev split: rows with index % 10 == 0 of train.csv are the dev side, the rest trains the baseline.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const lib = await import(path.join(repo, 'dist/index.js'));
const { values: a } = parseArgs({
  options: {
    model: { type: 'string', default: path.resolve(repo, '../shared/models/stories260K.gguf') },
    data: { type: 'string', default: path.resolve(repo, '../shared/data') },
    threads: { type: 'string', default: '1' },
    parallel: { type: 'string', default: '4' },
    sst2: { type: 'string', default: '872' },
    banking: { type: 'string', default: '300' },
    wnut: { type: 'string', default: '150' },
    speed: { type: 'string', default: '64' },
    out: { type: 'string', default: path.join(repo, '.cache/tasks-bench/results.json') },
    only: { type: 'string', default: 'sst2,banking77,wnut17,speed' },
  },
});
const work = path.join(repo, '.cache/tasks-bench');
mkdirSync(work, { recursive: true });
const log = (...x) => process.stderr.write(x.join(' ') + '\n');

function onrampEval(args) {
  const out = execFileSync(process.execPath, [path.join(repo, 'bin/onramp.js'), 'eval', '--model', a.model, '--threads', a.threads, '--parallel', a.parallel, '--no-progress', '--json', ...args], {
    maxBuffer: 1 << 28,
    encoding: 'utf8',
  });
  return JSON.parse(out);
}
const summary = (rep) => ({
  accuracy: rep.accuracy ?? null,
  macroF1: rep.macroAvg.f1,
  weightedF1: rep.weightedAvg.f1,
  microF1: rep.microAvg?.f1 ?? null,
});
function baselineText(train, dev) {
  const t0 = performance.now();
  const clf = lib.BowLogisticRegression.train(train.map((e) => e.text), train.map((e) => e.label), { epochs: 10 });
  const trainS = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const pred = clf.predict(dev.map((e) => e.text));
  const predS = (performance.now() - t1) / 1000;
  const rep = lib.classificationReport(dev.map((e) => e.label), pred);
  return { ...summary(rep), trainSeconds: trainS, textsPerSecond: dev.length / predS };
}

const only = new Set(a.only.split(','));
const results = { model: a.model, threads: Number(a.threads), parallel: Number(a.parallel), date: new Date().toISOString(), tasks: {} };

// SST-2
if (only.has('sst2')) {
  const map = { labelMap: { 0: 'negative', 1: 'positive' } };
  const train = lib.loadDataset(path.join(a.data, 'sentiment-sst2/train.tsv'), map).examples;
  const dev = lib.loadDataset(path.join(a.data, 'sentiment-sst2/dev.tsv'), map).examples.slice(0, Number(a.sst2));
  log(`sst2: baseline on ${train.length} train / ${dev.length} dev`);
  const base = baselineText(train, dev);
  log('sst2: onramp eval');
  const ev = onrampEval(['--task', 'sentiment-en', '--data', path.join(a.data, 'sentiment-sst2/dev.tsv'), '--label-map', '0=negative,1=positive', '--limit', a.sst2, '--fit-temperature']);
  results.tasks.sst2 = { examples: dev.length, model: { ...summary(ev.report), textsPerSecond: ev.textsPerSecond, calibration: ev.calibration }, baseline: base };
  log(JSON.stringify(results.tasks.sst2));
}

// BANKING77 (dev = every 10th row of train.csv, in a fixed hash order so any prefix covers all intents)
if (only.has('banking77')) {
  const all = lib.loadDataset(path.join(a.data, 'intent-banking77/train.csv')).examples;
  const h = (t) => createHash('sha1').update(t).digest('hex');
  const dev = all.filter((_, i) => i % 10 === 0).sort((x, y) => (h(x.text) < h(y.text) ? -1 : 1));
  const train = all.filter((_, i) => i % 10 !== 0);
  const devFile = path.join(work, 'banking77-dev.jsonl');
  writeFileSync(devFile, dev.map((e) => JSON.stringify(e)).join('\n') + '\n');
  const devSlice = dev.slice(0, Number(a.banking));
  log(`banking77: baseline on ${train.length} train / ${devSlice.length} dev`);
  const base = baselineText(train, devSlice);
  log('banking77: onramp eval');
  const ev = onrampEval(['--task', 'intent-banking77', '--data', devFile, '--limit', a.banking]);
  // The pack abstains below p=0.05; also report plain top-1 accuracy recomputed from the probabilities.
  const top1 = ev.predictions.filter((p) => Object.entries(p.probabilities).sort((x, y) => y[1] - x[1])[0][0] === p.gold).length / ev.predictions.length;
  const abstained = ev.predictions.filter((p) => p.predicted === 'unknown').length;
  results.tasks.banking77 = { examples: devSlice.length, model: { ...summary(ev.report), top1Accuracy: top1, abstained, textsPerSecond: ev.textsPerSecond }, baseline: base };
  log(JSON.stringify(results.tasks.banking77));
}

// WNUT-17
if (only.has('wnut17')) {
  const train = lib.loadDataset(path.join(a.data, 'ner-wnut17/wnut17train.conll')).sentences;
  const dev = lib.loadDataset(path.join(a.data, 'ner-wnut17/emerging.dev.conll')).sentences.slice(0, Number(a.wnut));
  log(`wnut17: baseline tagger on ${train.length} train / ${dev.length} dev sentences`);
  const t0 = performance.now();
  const tag = lib.trainTokenTagger(train);
  const trainSeconds = (performance.now() - t0) / 1000;
  const pred = dev.map((s) => tag(s.tokens));
  const gold = dev.map((s) => s.tags);
  const er = lib.entityReport(gold, pred);
  const sr = lib.entityReport(gold, pred, { mode: 'strict' });
  log('wnut17: onramp eval');
  const ev = onrampEval(['--task', 'ner-social', '--data', path.join(a.data, 'ner-wnut17/emerging.dev.conll'), '--limit', a.wnut]);
  results.tasks.wnut17 = {
    sentences: dev.length,
    model: { entityMicroF1: ev.report.microAvg.f1, strictMicroF1: ev.strictReport.microAvg.f1, entityPrecision: ev.report.microAvg.precision, sentencesPerSecond: ev.textsPerSecond, invalidOutputs: ev.predictions.filter((p) => p.error).length, predictedEntities: ev.predictions.reduce((n, p) => n + p.entities.length, 0) },
    baseline: { entityMicroF1: er.microAvg.f1, strictMicroF1: sr.microAvg.f1, entityPrecision: er.microAvg.precision, trainSeconds },
  };
  log(JSON.stringify(results.tasks.wnut17));
}

// Throughput: classify with 2, 5 and 77 labels on the same texts.
if (only.has('speed')) {
  const { Model, Engine } = lib;
  const texts = lib.loadDataset(path.join(a.data, 'sentiment-sst2/dev.tsv')).examples.slice(0, Number(a.speed)).map((e) => e.text);
  // The same prompt for every label count, so only the number of verbalizers changes.
  const reg = lib.TaskRegistry.load(path.join(repo, 'models/tasks'));
  const mk = (id, labels) => lib.validatePack({ id, version: '1.0.0', kind: 'classify', input: { maxTokens: 128 }, prompt: { template: 'Text: {{text}}\nLabel:' }, labels });
  const packs = [
    ['2 labels', mk('speed-2', ['negative', 'positive'])],
    ['5 labels', mk('speed-5', ['terrible', 'bad', 'okay', 'good', 'great'])],
    ['77 labels (BANKING77 names)', mk('speed-77', reg.get('intent-banking77').labels.map((l) => ({ name: l.name, verbalizers: [...l.verbalizers] })))],
  ];
  const model = await Model.load(a.model);
  results.speed = [];
  for (const [name, pack] of packs) {
    const engine = await Engine.create(model, { parallel: Number(a.parallel), threads: Number(a.threads), scoreSequences: Math.max(8, Math.min(pack.labels.length, 256 - Number(a.parallel))) });
    const predictor = lib.promptPredictor(pack, { engine }, Number(a.parallel));
    await predictor.predict(texts.slice(0, 4)); // warm-up
    const t0 = performance.now();
    await predictor.predict(texts);
    const s = (performance.now() - t0) / 1000;
    results.speed.push({ labels: pack.labels.length, name, texts: texts.length, seconds: s, textsPerSecond: texts.length / s });
    log(JSON.stringify(results.speed.at(-1)));
    await engine.dispose();
  }
  await model.dispose();
}

mkdirSync(path.dirname(a.out), { recursive: true });
writeFileSync(a.out, JSON.stringify(results, null, 2) + '\n');
process.stdout.write(JSON.stringify(results, null, 2) + '\n');
