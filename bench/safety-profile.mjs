#!/usr/bin/env node
// Where the safety scan's time goes: each rule of the default policy (and the shared prescan) timed alone over
// 64 K-character parts of the benchmark corpus, the minimum of 7 passes per part, summed, in ms per MB of UTF-8
// input; the reference charCodeAt loop and the whole scan/mask the same way. Minimum per short part is the figure
// least disturbed by other load on a shared machine; compare rules with each other and with the reference line.
// Usage: npx tsc -p tsconfig.json && node bench/safety-profile.mjs [--mb 2] [--dist path/to/dist] [--corpus synthetic|natural]
// (--dist: another build, e.g. of an older commit, to compare: `git archive <commit> src tsconfig.json package.json
// | tar -x -C .cache/old && ln -s ../../node_modules .cache/old/ && (cd .cache/old && npx tsc -p tsconfig.json)`.)
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { asInput, makeCorpus } from './safety-corpus.mjs';
import { makeNaturalCorpus } from './safety-natural-corpus.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const dist = pathToFileURL(path.resolve(opt('--dist', new URL('../dist', import.meta.url).pathname), 'safety')).href;
const { compilePolicy, mask } = await import(`${dist}/index.js`);
// the prescan lives in prescan.js since the fourth round, in candidates.js before
const { prescan, prescanView } = await import(`${dist}/prescan.js`).catch(() => import(`${dist}/candidates.js`));
const { createView } = await import(`${dist}/text.js`);

const dataDir = process.env.ONRAMP_DATA ?? path.resolve(new URL('..', import.meta.url).pathname, '../shared/data');
const corpus = opt('--corpus', 'synthetic') === 'natural' ? makeNaturalCorpus(Number(opt('--mb', 2)) * 1048576, 42, dataDir) : makeCorpus(Number(opt('--mb', 2)) * 1048576, 42);
const parts = [];
for (let i = 0; i < corpus.length; i += 65536) parts.push(asInput(corpus.slice(i, i + 65536)));
const sc = compilePolicy();
const mb = Buffer.byteLength(corpus) / 1048576;
const best = {};
const rec = (k, j, t) => {
  (best[k] ??= parts.map(() => Infinity))[j] = Math.min(best[k][j], t);
};
for (let rep = 0; rep < 7; rep++) {
  parts.forEach((p, j) => {
    let t0 = performance.now();
    let x = 0;
    for (let i = 0; i < p.length; i++) x = (x + p.charCodeAt(i)) | 0;
    rec('reference loop', j, performance.now() - t0);
    t0 = performance.now();
    // the scanner's own first step: the prescan with folding (prescanView), or in builds before it prescan + fold
    let view;
    let pre;
    if (prescanView) ({ view, pre } = sc.triggers ? prescanView(p, 10, sc.triggers) : prescanView(p));
    else {
      pre = sc.triggers ? prescan(p, 10, sc.triggers) : prescan(p);
      view = createView(p, pre.special);
    }
    rec('prescan + fold', j, performance.now() - t0);
    const cache = new Map([['prescan', pre]]);
    const ctx = view.foldAt ? { stage: 'input', cache, special: view.special, foldAt: view.foldAt } : { stage: 'input', cache, special: view.special };
    for (const r of sc.rules) {
      if (!r.stages.includes('input')) continue;
      t0 = performance.now();
      r.scan(view.text, ctx);
      rec(r.id, j, performance.now() - t0);
    }
    t0 = performance.now();
    sc.scan(p);
    rec('WHOLE scan', j, performance.now() - t0);
    t0 = performance.now();
    mask(p, sc);
    rec('WHOLE mask', j, performance.now() - t0);
  });
}
const rows = Object.entries(best).map(([k, v]) => [k, v.reduce((a, b) => a + b, 0) / mb]).sort((a, b) => b[1] - a[1]);
console.log(`${mb.toFixed(2)} MB in ${parts.length} parts; ms per MB (the first rule of the injection group also pays the shared trigger pass)`);
for (const [k, v] of rows) if (v >= 0.05) console.log(`${k.padEnd(24)} ${v.toFixed(2)}`);
