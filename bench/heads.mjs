#!/usr/bin/env node
/**
 * Heads on frozen GGUF embeddings vs a bag-of-words logistic regression (src/eval/baseline.ts), on the dev
 * splits in ../shared/data: SST-2 (train -> GLUE dev), BANKING77 and ChnSentiCorp (hash split of the one
 * training file: sha1(text) % 5 == 0 is the evaluation side; sha1('eval:' + text) for ChnSentiCorp, whose shared
 * file already lacks sha1(text) % 5 == 0). 10% of the remaining training rows (sha1('es:' + text) % 10 == 0) is
 * the early-stopping dev split of the head; the BoW model trains on all of them.
 *
 * Run after `npx tsc -p tsconfig.json`:
 *   node bench/heads.mjs [--model ../shared/models/stories260K.gguf] [--datasets sst2,banking77,chnsenticorp]
 *                        [--threads 1] [--class-weights balanced] [--out .cache/bench/heads.json]
 * Embeddings are cached under .cache/embeddings (the first run pays the model pass, later runs are fast).
 * Research-only data (SST-2, ChnSentiCorp) is read in place and never written into the repo.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(path.join(repo, 'dist', p));
const { Model } = await dist('engine/Model.js');
const { Engine } = await dist('engine/Engine.js');
const { loadDataset } = await dist('eval/readers.js');
const { classificationReport } = await dist('eval/classificationReport.js');
const { BowLogisticRegression } = await dist('eval/baseline.js');
const { fitHead } = await dist('tasks/heads/fit.js');
const { HeadRunner } = await dist('tasks/heads/HeadRunner.js');

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: path.resolve(repo, '../shared/models/stories260K.gguf') },
    data: { type: 'string', default: path.resolve(repo, '../shared/data') },
    datasets: { type: 'string', default: 'sst2,banking77,chnsenticorp' },
    threads: { type: 'string', default: '1' },
    lrs: { type: 'string', default: '0.003,0.01,0.03' },
    'class-weights': { type: 'string' },
    out: { type: 'string', default: path.join(repo, '.cache/bench/heads.json') },
  },
});

const bucket = (text, mod) => Number(BigInt(`0x${createHash('sha1').update(text, 'utf8').digest('hex')}`) % BigInt(mod));
const load = (file, opts) => loadDataset(path.join(args.data, file), opts).examples.filter((e) => e.text.trim() !== '');

function splits(name) {
  if (name === 'sst2') {
    const map = { labelMap: { 0: 'negative', 1: 'positive' } };
    return { train: load('sentiment-sst2/train.tsv', map), test: load('sentiment-sst2/dev.tsv', map) };
  }
  const all =
    name === 'banking77'
      ? load('intent-banking77/train.csv', {})
      : load('sentiment-chnsenticorp/train.csv', { textField: 'review', labelMap: { 0: 'negative', 1: 'positive' } });
  // the shared ChnSentiCorp file already excludes sha1(text) % 5 == 0 (the held-out test side): salt its split
  const key = (e) => (name === 'chnsenticorp' ? `eval:${e.text}` : e.text);
  return { train: all.filter((e) => bucket(key(e), 5) !== 0), test: all.filter((e) => bucket(key(e), 5) === 0) };
}

const model = await Model.load(args.model);
const engine = await Engine.create(model, { parallel: 8, threads: Number(args.threads) });
const results = [];
let shown = 0;
const progress = (d, t) => {
  if (d - shown >= 512 || d === t) {
    shown = d;
    process.stderr.write(`  embed ${d}/${t}\n`);
  }
};
try {
  for (const name of args.datasets.split(',')) {
    const { train, test } = splits(name);
    shown = 0;
    const esDev = train.filter((e) => bucket(`es:${e.text}`, 10) === 0);
    const fit = train.filter((e) => bucket(`es:${e.text}`, 10) !== 0);
    const labels = [...new Set(train.map((e) => e.label))].sort();
    process.stderr.write(`${name}: ${fit.length} train, ${esDev.length} early-stopping dev, ${test.length} eval, ${labels.length} labels\n`);

    // embed everything once (cached); the first pass is the embedding cost
    const t0 = performance.now();
    const warm = await fitHead(engine, [...fit, ...test], esDev, { kind: 'softmax', labels, epochs: 1, onEmbedProgress: progress });
    const embedSeconds = (performance.now() - t0) / 1000 - warm.trainMs / 1000;

    let best;
    for (const lr of args.lrs.split(',').map(Number)) {
      const r = await fitHead(engine, fit, esDev, { kind: 'softmax', labels, lr, epochs: 200, patience: 10, seed: 0, ...(args['class-weights'] === 'balanced' ? { classWeights: 'balanced' } : {}) });
      const acc = r.result.history.find((h) => h.epoch === r.result.bestEpoch)?.devMetrics?.accuracy ?? 0;
      process.stderr.write(`  lr ${lr}: best epoch ${r.result.bestEpoch}, es-dev acc ${acc.toFixed(4)}, train ${(r.trainMs / 1000).toFixed(1)}s\n`);
      if (!best || acc > best.acc) best = { lr, acc, r };
    }
    const runner = await HeadRunner.create(engine, best.r.head);
    let t = performance.now();
    const preds = await runner.predict(test.map((e) => e.text));
    const cachedTps = test.length / ((performance.now() - t) / 1000);
    const rep = classificationReport(test.map((e) => e.label), preds.map((p) => p.label), { zeroDivision: 0 });
    // inference: embedding + head, uncached, 256 texts in batches of 64
    const cold = await HeadRunner.create(engine, best.r.head, { cache: null, verify: false });
    const sample = test.slice(0, 256).map((e) => e.text);
    t = performance.now();
    for (let i = 0; i < sample.length; i += 64) await cold.predict(sample.slice(i, i + 64));
    const headTps = sample.length / ((performance.now() - t) / 1000);

    t = performance.now();
    const bow = BowLogisticRegression.train(train.map((e) => e.text), train.map((e) => e.label), { seed: 0 });
    const bowTrainSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    const bowPred = bow.predict(test.map((e) => e.text));
    const bowTps = test.length / ((performance.now() - t) / 1000);
    const bowRep = classificationReport(test.map((e) => e.label), bowPred, { zeroDivision: 0 });

    const row = {
      dataset: name,
      train: fit.length,
      esDev: esDev.length,
      eval: test.length,
      labels: labels.length,
      head: { lr: best.lr, bestEpoch: best.r.result.bestEpoch, epochs: best.r.result.history.length, accuracy: rep.accuracy, macroF1: rep.macroAvg.f1, trainSeconds: best.r.trainMs / 1000, embedSeconds, inferenceTextsPerSec: headTps, cachedTextsPerSec: cachedTps },
      bow: { accuracy: bowRep.accuracy, macroF1: bowRep.macroAvg.f1, trainSeconds: bowTrainSeconds, inferenceTextsPerSec: bowTps },
    };
    results.push(row);
    process.stderr.write(`${JSON.stringify(row)}\n`);
  }
} finally {
  await engine.dispose();
  await model.dispose();
}

mkdirSync(path.dirname(args.out), { recursive: true });
writeFileSync(args.out, JSON.stringify({ model: path.basename(args.model), date: new Date().toISOString(), results }, null, 1));
const f = (x, d = 3) => x.toFixed(d);
console.log('| dataset | eval n | head acc | head macro-F1 | BoW acc | BoW macro-F1 | head train s | head texts/s (embed + head) | head texts/s (cached vectors) | BoW train s | BoW texts/s |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of results) {
  console.log(`| ${r.dataset} | ${r.eval} | ${f(r.head.accuracy)} | ${f(r.head.macroF1)} | ${f(r.bow.accuracy)} | ${f(r.bow.macroF1)} | ${f(r.head.trainSeconds, 1)} | ${f(r.head.inferenceTextsPerSec, 1)} | ${f(r.head.cachedTextsPerSec, 0)} | ${f(r.bow.trainSeconds, 1)} | ${f(r.bow.inferenceTextsPerSec, 0)} |`);
}
