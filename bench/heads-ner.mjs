#!/usr/bin/env node
/**
 * Token (BIO) head on per-token embeddings vs the BoW token tagger of src/eval/baseline.ts, on WNUT-17
 * (CC BY 4.0, ../shared/data/ner-wnut17: train -> emerging.dev). Entity-level micro F1 (seqeval default mode).
 * Predicted entities (character offsets) are turned back into word tags: the first word an entity overlaps gets
 * B-, the following overlapped words I-.
 *
 *   npx tsc -p tsconfig.json && node bench/heads-ner.mjs [--model <gguf>] [--threads 1] [--lr 0.01] [--class-weights balanced]
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(path.join(repo, 'dist', p));
const { Model } = await dist('engine/Model.js');
const { Engine } = await dist('engine/Engine.js');
const { loadDataset } = await dist('eval/readers.js');
const { entityReport } = await dist('eval/seqeval.js');
const { trainTokenTagger } = await dist('eval/baseline.js');
const { fitTokenHead } = await dist('tasks/heads/fit.js');
const { HeadRunner } = await dist('tasks/heads/HeadRunner.js');

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: path.resolve(repo, '../shared/models/stories260K.gguf') },
    data: { type: 'string', default: path.resolve(repo, '../shared/data/ner-wnut17') },
    threads: { type: 'string', default: '1' },
    lr: { type: 'string', default: '0.01' },
    'class-weights': { type: 'string' },
  },
});
const train = loadDataset(path.join(args.data, 'wnut17train.conll'), { format: 'conll' }).sentences;
const dev = loadDataset(path.join(args.data, 'emerging.dev.conll'), { format: 'conll' }).sentences;
// early stopping on every 10th training sentence
const es = train.filter((_, i) => i % 10 === 0);
const fit = train.filter((_, i) => i % 10 !== 0);

function wordTags(sent, entities) {
  const tags = sent.tokens.map(() => 'O');
  let at = 0;
  const spans = sent.tokens.map((w) => [at, (at += w.length + 1) - 1]);
  for (const e of entities) {
    let first = true;
    spans.forEach(([s, t], i) => {
      if (s < e.end && t > e.start) {
        tags[i] = `${first ? 'B' : 'I'}-${e.entity_group}`;
        first = false;
      }
    });
  }
  return tags;
}

const model = await Model.load(args.model);
const engine = await Engine.create(model, { parallel: 8, threads: Number(args.threads) });
try {
  let t = performance.now();
  const r = await fitTokenHead(engine, fit, es, { kind: 'token', lr: Number(args.lr), epochs: 100, patience: 5, seed: 0, ...(args['class-weights'] === 'balanced' ? { classWeights: 'balanced' } : {}) });
  const headSeconds = (performance.now() - t) / 1000;
  const runner = await HeadRunner.create(engine, r.head);
  t = performance.now();
  const preds = await runner.predict(dev.map((s) => s.tokens.join(' ')));
  const predSeconds = (performance.now() - t) / 1000;
  const headRep = entityReport(dev.map((s) => s.tags), dev.map((s, i) => wordTags(s, preds[i].entities)));
  t = performance.now();
  const tagger = trainTokenTagger(train.map((s) => ({ tokens: s.tokens, tags: s.tags })), { seed: 0 });
  const bowSeconds = (performance.now() - t) / 1000;
  const bowRep = entityReport(dev.map((s) => s.tags), dev.map((s) => tagger(s.tokens)));
  console.log(`WNUT-17 dev (${dev.length} sentences), entity-level micro avg:`);
  console.log(`| model | precision | recall | F1 | train s |`);
  console.log(`| --- | --- | --- | --- | --- |`);
  console.log(`| token head (${path.basename(args.model)}${args['class-weights'] ? ', balanced' : ''}; best epoch ${r.result.bestEpoch} of ${r.result.history.length}) | ${headRep.microAvg.precision.toFixed(3)} | ${headRep.microAvg.recall.toFixed(3)} | ${headRep.microAvg.f1.toFixed(3)} | ${(r.trainMs / 1000).toFixed(1)} (+ ${(r.embedMs / 1000).toFixed(0)} embedding) |`);
  console.log(`| BoW token tagger | ${bowRep.microAvg.precision.toFixed(3)} | ${bowRep.microAvg.recall.toFixed(3)} | ${bowRep.microAvg.f1.toFixed(3)} | ${bowSeconds.toFixed(1)} |`);
  console.log(`head: ${headSeconds.toFixed(0)} s total incl. embedding, dev prediction ${predSeconds.toFixed(1)} s`);
} finally {
  await engine.dispose();
  await model.dispose();
}
