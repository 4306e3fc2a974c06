#!/usr/bin/env node
/**
 * Engine benchmark: onramp's Engine vs node-llama-cpp (same llama.cpp release, same model file, same threads).
 *   - single stream: prompt-evaluation tok/s and decode tok/s (greedy, EOS ignored)
 *   - threads: onramp decode tok/s at N vs N-1 threads (and with an own ggml threadpool, poll 0)
 *   - aggregate generated tok/s at 1, 4, 8, 16 concurrent streams (one sequence per stream in one context)
 *   - JS event-loop lateness (p50/p99 of a 1 ms timer) while 16 streams generate
 *   - label scoring: 5 candidates in one pass vs 5 independent evaluations
 *
 * Run after `npx tsc -p tsconfig.json`:
 *   node bench/engine.mjs [--model <gguf>] [--threads 1] [--prompt-tokens 128] [--gen 64] [--streams 1,4,8,16]
 *                         [--stream-tokens 32] [--skip-nlc] [--out .cache/bench/engine.json]
 * Default models: ../shared/models/stories260K.gguf, and .cache/models/bench-qwen2.5-0.5b-synthetic-Q4_K_M.gguf
 * when bench/load.mjs has made it. The machine is shared: ratios are from one run, alternating onramp and
 * node-llama-cpp per measurement so contention hits both alike.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(path.join(repo, 'dist', p));
const { Model } = await dist('engine/Model.js');
const { Engine } = await dist('engine/Engine.js');

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', multiple: true },
    threads: { type: 'string', default: String(Math.max(1, os.availableParallelism() - 1)) },
    'prompt-tokens': { type: 'string', default: '128' },
    gen: { type: 'string', default: '64' },
    streams: { type: 'string', default: '1,4,8,16' },
    'stream-tokens': { type: 'string', default: '32' },
    'skip-nlc': { type: 'boolean', default: false },
    'skip-unified': { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(repo, '.cache/bench/engine.json') },
  },
});
const threads = Number(args.threads);
const promptTokens = Number(args['prompt-tokens']);
const gen = Number(args.gen);
const streamsList = args.streams.split(',').map(Number);
const streamTokens = Number(args['stream-tokens']);
const log = (m) => process.stderr.write(`[bench:engine] ${m}\n`);
const now = () => performance.now();
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

const models = args.model ?? [
  path.resolve(repo, '../shared/models/stories260K.gguf'),
  path.join(repo, '.cache/models/bench-qwen2.5-0.5b-synthetic-Q4_K_M.gguf'),
].filter((f) => fs.existsSync(f));

let llama;
if (!args['skip-nlc']) {
  const { getLlama } = await import('node-llama-cpp');
  llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
}

/** A prompt of exactly n tokens (text repeated, then cut). */
function promptOf(model, n) {
  const base = model.tokenize('Once upon a time, in a small town by the sea, there lived a curious little girl who loved stories. ', {});
  const out = [model.info.specialTokens.bos ?? base[0]];
  while (out.length < n) out.push(...base);
  return out.slice(0, n);
}

async function onrampSingle(model, prompt, opts) {
  const engine = await Engine.create(model, { parallel: 1, nCtx: 2048, threads, ...opts });
  try {
    await engine.generate(prompt.slice(0, 8), { temperature: 0, maxTokens: 4, ignoreEos: true }).result; // warm-up
    const r = await engine.generate(prompt, { temperature: 0, maxTokens: gen, ignoreEos: true }).result;
    return { promptTps: (prompt.length / r.timings.promptMs) * 1000, decodeTps: ((r.tokens.length - 1) / r.timings.generationMs) * 1000 };
  } finally {
    await engine.dispose();
  }
}

async function nlcSingle(nm, prompt) {
  const ctx = await nm.createContext({ contextSize: 2048, sequences: 1, threads, batchSize: 512 });
  try {
    const seq = ctx.getSequence();
    let n = 0;
    for await (const _ of seq.evaluate(prompt.slice(0, 8), { temperature: 0 })) if (++n >= 4) break; // warm-up
    await seq.clearHistory();
    const t0 = now();
    let t1 = 0;
    n = 0;
    for await (const _ of seq.evaluate(prompt, { temperature: 0 })) {
      if (n === 0) t1 = now();
      if (++n >= gen) break;
    }
    const t2 = now();
    return { promptTps: (prompt.length / (t1 - t0)) * 1000, decodeTps: ((n - 1) / (t2 - t1)) * 1000 };
  } finally {
    await ctx.dispose();
  }
}

async function onrampAggregateOpts(model, prompts, opts) {
  return onrampAggregate(model, prompts, false, opts);
}

/** p50/p99 lateness of a 1 ms timer over `ms` with nothing else running (the machine's own noise). */
async function idleLateness(ms) {
  const late = [];
  let expected = now() + 1;
  await new Promise((res) => {
    const end = now() + ms;
    const tick = () => {
      const t = now();
      late.push(t - expected);
      expected = t + 1;
      if (t < end) setTimeout(tick, 1);
      else res();
    };
    setTimeout(tick, 1);
  });
  return { lateP50: pct(late, 50), lateP99: pct(late, 99), lateMax: Math.max(...late), ticks: late.length };
}

async function onrampAggregate(model, prompts, measureLateness = false, opts = {}) {
  const S = prompts.length;
  // kvUnified false splits nCtx over parallel + scoreSequences streams
  const perSeq = prompts[0].length + streamTokens + 16;
  const nCtx = opts.kvUnified === false ? Math.max(2048, (S + 8) * perSeq) : Math.max(2048, S * perSeq);
  const engine = await Engine.create(model, { parallel: S, nCtx, threads, ...opts });
  try {
    await engine.generate(prompts[0].slice(0, 8), { temperature: 0, maxTokens: 2 }).result;
    const late = [];
    let timer;
    if (measureLateness) {
      let expected = now() + 1;
      const tick = () => {
        const t = now();
        late.push(t - expected);
        expected = t + 1;
        timer = setTimeout(tick, 1);
      };
      timer = setTimeout(tick, 1);
    }
    const t0 = now();
    const rs = await Promise.all(prompts.map((p) => engine.generate(p, { temperature: 0, maxTokens: streamTokens, ignoreEos: true }).result));
    const dt = now() - t0;
    clearTimeout(timer);
    const total = rs.reduce((s, r) => s + r.tokens.length, 0);
    return { tps: (total / dt) * 1000, ...(measureLateness ? { lateP50: pct(late, 50), lateP99: pct(late, 99), lateMax: Math.max(...late), ticks: late.length } : {}) };
  } finally {
    await engine.dispose();
  }
}

async function nlcAggregate(nm, prompts) {
  const S = prompts.length;
  const ctx = await nm.createContext({ contextSize: Math.max(2048, S * (prompts[0].length + streamTokens + 16)), sequences: S, threads, batchSize: 512 });
  try {
    const seqs = prompts.map(() => ctx.getSequence());
    const t0 = now();
    const counts = await Promise.all(seqs.map(async (seq, i) => {
      let n = 0;
      for await (const _ of seq.evaluate(prompts[i], { temperature: 0 })) if (++n >= streamTokens) break;
      return n;
    }));
    const dt = now() - t0;
    return { tps: (counts.reduce((a, b) => a + b, 0) / dt) * 1000 };
  } finally {
    await ctx.dispose();
  }
}

async function scoring(model, prefixTokens) {
  const text = model.detokenize(prefixTokens.slice(1));
  const prefix = `${text}\nQuestion: what is the story about? Answer:`;
  const cands = [' a little girl', ' the sea', ' a small town', ' a curious cat', ' stories'];
  const one = await Engine.create(model, { parallel: 1, nCtx: 2048, threads });
  const indep = await Engine.create(model, { parallel: 1, nCtx: 2048, threads, prefixCache: false });
  try {
    await one.score('Hello', [' a']);
    await indep.score('Hello', [' a']);
    // fresh prefix each time for the one-pass engine too: no prefix cache reuse between runs
    const reps = 3;
    let tOne = 0;
    let tInd = 0;
    let maxDiff = 0;
    for (let r = 0; r < reps; r++) {
      const p = `${prefix}${' '.repeat(r)}`;
      let t = now();
      const all = await one.score(`[${r}] ${p}`, cands);
      tOne += now() - t;
      t = now();
      for (let i = 0; i < cands.length; i++) {
        const a = await indep.score(`[${r}] ${p}`, [cands[i]]);
        maxDiff = Math.max(maxDiff, Math.abs(a.candidates[0].logprob - all.candidates[i].logprob));
      }
      tInd += now() - t;
    }
    return { onePassMs: tOne / reps, independentMs: tInd / reps, speedup: tInd / tOne, maxDiffNats: maxDiff, prefixTokens: one.tokenize(prefix).length };
  } finally {
    await one.dispose();
    await indep.dispose();
  }
}

const idle = await idleLateness(2000);
log(`idle 1 ms timer lateness: ${JSON.stringify(idle)}`);
const results = { idleTimer: idle, date: new Date().toISOString(), cpus: os.cpus().length, loadavg: os.loadavg(), threads, promptTokens, gen, streamTokens, models: {} };
for (const file of models) {
  const name = path.basename(file);
  log(`model ${name}`);
  const model = await Model.load(file);
  const nm = llama ? await llama.loadModel({ modelPath: file, gpuLayers: 0 }) : undefined;
  const r = (results.models[name] = {});
  const prompt = promptOf(model, Math.min(promptTokens, model.info.contextLength - gen - 8));
  r.single = { onramp: await onrampSingle(model, prompt), ...(nm ? { nodeLlamaCpp: await nlcSingle(nm, prompt) } : {}) };
  log(`  single: ${JSON.stringify(r.single)}`);
  r.threads = {};
  for (const t of [...new Set([threads, threads + 1, Math.max(1, threads - 1)])].sort()) {
    r.threads[`t${t}`] = await onrampSingle(model, prompt, { threads: t, threadsBatch: t });
  }
  r.threads[`t${threads + 1}-pool-poll0`] = await onrampSingle(model, prompt, { threads: threads + 1, threadsBatch: threads + 1, poll: 0 });
  r.threads[`t${threads + 1}-pool-poll50`] = await onrampSingle(model, prompt, { threads: threads + 1, threadsBatch: threads + 1, poll: 50 });
  log(`  threads: ${JSON.stringify(r.threads)}`);
  r.aggregate = {};
  for (const S of streamsList) {
    const prompts = Array.from({ length: S }, (_, i) => promptOf(model, 6 + (i % 4)));
    const o = await onrampAggregate(model, prompts, S === Math.max(...streamsList));
    const n = nm ? await nlcAggregate(nm, prompts) : undefined;
    r.aggregate[S] = { onramp: o, ...(n ? { nodeLlamaCpp: n, ratio: o.tps / n.tps } : {}) };
    log(`  ${S} streams: ${JSON.stringify(r.aggregate[S])}`);
  }
  if (!args['skip-unified']) {
    const S = Math.max(...streamsList);
    const prompts = Array.from({ length: S }, (_, i) => promptOf(model, 6 + (i % 4)));
    r.kvUnifiedOff = await onrampAggregateOpts(model, prompts, { kvUnified: false });
    log(`  ${S} streams, kvUnified false: ${JSON.stringify(r.kvUnifiedOff)}`);
  }
  r.scoring = await scoring(model, prompt);
  log(`  scoring: ${JSON.stringify(r.scoring)}`);
  await nm?.dispose();
  await model.dispose();
}
fs.mkdirSync(path.dirname(args.out), { recursive: true });
fs.writeFileSync(args.out, JSON.stringify(results, null, 2));
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
