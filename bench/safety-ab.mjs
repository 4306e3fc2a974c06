#!/usr/bin/env node
// Safety A/B in ONE process (the shared machine is too noisy for separate runs): an older build (A) against the
// current dist/ (B), interleaved per group of 50 ~1 KB requests and per 64 K-character part, minimum of 9 (requests)
// or 5 (parts) passes each, summed. Prints scan/mask µs per request and MB/s for both builds.
// Build the old one first: `mkdir -p .cache/old && git archive <commit> src tsconfig.json package.json | tar -x -C
// .cache/old && ln -s ../../node_modules .cache/old/ && (cd .cache/old && npx tsc -p tsconfig.json)`.
// Usage: npx tsc -p tsconfig.json && node bench/safety-ab.mjs [--old .cache/old/dist] [--mb 2] [--corpus synthetic|natural] [--whole]
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { asInput, makeCorpus } from './safety-corpus.mjs';
import { makeNaturalCorpus } from './safety-natural-corpus.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const A = await import(pathToFileURL(path.resolve(opt('--old', '.cache/old/dist'), 'safety/index.js')).href);
const B = await import(new URL('../dist/safety/index.js', import.meta.url).href);
const mb = Number(opt('--mb', 2));
const dataDir = process.env.ONRAMP_DATA ?? path.resolve(new URL('..', import.meta.url).pathname, '../shared/data');
const corpus = asInput(opt('--corpus', 'synthetic') === 'natural' ? makeNaturalCorpus(mb * 1048576, 42, dataDir) : makeCorpus(mb * 1048576, 42));
const bytesMB = Buffer.byteLength(corpus) / 1048576;
const reqs = [];
for (let i = 0; reqs.length < 2000 && i < corpus.length; ) { let j = i + 400; while (j < corpus.length && Buffer.byteLength(corpus.slice(i, j)) < 1024) j += 16; reqs.push(asInput(corpus.slice(i, j))); i = j; }
const groups = []; for (let i = 0; i < reqs.length; i += 50) groups.push(reqs.slice(i, i + 50));
const parts = []; for (let i = 0; i < corpus.length; i += 65536) parts.push(asInput(corpus.slice(i, i + 65536)));
const libs = { A, B }; const sc = { A: A.compilePolicy(), B: B.compilePolicy() };
const res = {};
const rec = (k, n, j, t) => { (res[k] ??= new Array(n).fill(Infinity))[j] = Math.min(res[k][j], t); };
for (const L of ['A', 'B']) for (const r of reqs.slice(0, 500)) { libs[L].mask(r, sc[L]); libs[L].scan(r, sc[L]); }
for (let rep = 0; rep < 9; rep++) {
  for (const op of ['scan', 'mask']) {
    groups.forEach((g, j) => { for (const L of (rep + j) % 2 ? ['A', 'B'] : ['B', 'A']) { const f = libs[L][op], s = sc[L]; const t0 = performance.now(); for (const r of g) f(r, s); rec(`${L} ${op} µs/req`, groups.length, j, performance.now() - t0); } });
    if (rep < 5) parts.forEach((p, j) => { for (const L of (rep + j) % 2 ? ['A', 'B'] : ['B', 'A']) { const f = libs[L][op], s = sc[L]; const t0 = performance.now(); f(p, s); rec(`${L} ${op} MB/s`, parts.length, j, performance.now() - t0); } });
  }
}
const out = {};
for (const [k, v] of Object.entries(res)) { const sum = v.reduce((a, b) => a + b, 0); out[k] = k.endsWith('µs/req') ? +(sum * 1000 / reqs.length).toFixed(1) : +(bytesMB / (sum / 1000)).toFixed(1); }
for (const m of ['scan µs/req', 'mask µs/req', 'scan MB/s', 'mask MB/s']) { const [op, unit] = m.split(' '); console.log(`${m.padEnd(12)} A(before) ${out[`A ${op} ${unit}`]}  B(after) ${out[`B ${op} ${unit}`]}`); }
// --whole: also the whole corpus as one document, both builds alternating, best of 5 (after the warm passes above)
if (args.includes('--whole')) {
  const best = { A: Infinity, B: Infinity };
  for (let rep = 0; rep < 5; rep++) for (const L of rep % 2 ? ['A', 'B'] : ['B', 'A']) { const t0 = performance.now(); libs[L].scan(corpus, sc[L]); best[L] = Math.min(best[L], performance.now() - t0); }
  console.log(`whole doc    A(before) ${(bytesMB / (best.A / 1000)).toFixed(1)}  B(after) ${(bytesMB / (best.B / 1000)).toFixed(1)}  MB/s (${bytesMB.toFixed(1)} MB, one scan call)`);
}
