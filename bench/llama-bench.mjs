#!/usr/bin/env node
/**
 * Engine vs llama.cpp's own benchmarks, same model file, same threads, same batch / flash-attention / KV settings:
 *   - single stream: `llama-bench -p P -n 0` (prompt tok/s) and `llama-bench -p 0 -n G -d P` (decode tok/s after a
 *     P-token context) vs one onramp Engine request of a
 *     P-token prompt and G decode steps (maxTokens G + 1: the first token comes from the prompt's logits)
 *   - aggregate: `llama-batched-bench -npp P -ntg T -npl S` (S distinct P-token prompts in one batch, then T decode
 *     steps of S tokens) vs S concurrent `generate()` calls (P-token prompts, maxTokens T + 1) on one Engine with
 *     `parallel: S`. Compared: S*T / total time (prompts included, both sides) and S*T / decode-phase time.
 * llama.cpp runs and ours alternate (ABBA) so that contention on a shared machine hits both alike.
 *
 * The tools are not part of the repo: build them outside it from the bundled source, e.g.
 *   cmake -S deps/llama.cpp -B /tmp/build-llama-cpu -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON \
 *     -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_APP=OFF -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF
 *   cmake --build /tmp/build-llama-cpu --target llama-bench llama-batched-bench -j 2
 * Run after `npx tsc -p tsconfig.json`:
 *   node bench/llama-bench.mjs [--llama-bin /tmp/build-llama-cpu/bin] [--model <gguf>]... [--threads 1]
 *     [--prompt-tokens 64] [--gen 32] [--reps 3] [--rounds 2] [--npp 32] [--ntg 32] [--npl 1,4,8,16]
 *     [--single-score-seqs 0] [--skip-single] [--skip-batched] [--out .cache/bench/llama-bench.json]
 * Default models: ../shared/models/stories260K.gguf and .cache/models/bench-qwen2.5-0.5b-synthetic-Q4_K_M.gguf
 * (made by `node bench/load.mjs --runs 1`).
 */
import { spawnSync } from 'node:child_process';
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
    'llama-bin': { type: 'string', default: '/tmp/fresh/deps/build-llama-cpu/bin' },
    model: { type: 'string', multiple: true },
    threads: { type: 'string', default: '1' },
    'prompt-tokens': { type: 'string', default: '64' },
    gen: { type: 'string', default: '32' },
    reps: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '2' },
    npp: { type: 'string', default: '32' },
    ntg: { type: 'string', default: '32' },
    npl: { type: 'string', default: '1,4,8,16' },
    'single-score-seqs': { type: 'string', default: '0' },
    'skip-single': { type: 'boolean', default: false },
    'skip-batched': { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(repo, '.cache/bench/llama-bench.json') },
  },
});
const bin = (name) => {
  const f = path.join(args['llama-bin'], name);
  if (!fs.existsSync(f)) throw new Error(`${f} not found: build llama.cpp's ${name} (see the top of bench/llama-bench.mjs) and pass --llama-bin`);
  return f;
};
const threads = Number(args.threads);
const P = Number(args['prompt-tokens']);
const G = Number(args.gen);
const reps = Number(args.reps);
const rounds = Number(args.rounds);
const npp = Number(args.npp);
const ntg = Number(args.ntg);
const npl = args.npl.split(',').map(Number);
const log = (m) => process.stderr.write(`[bench:llama-bench] ${m}\n`);
const now = () => performance.now();
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const r2 = (x) => Math.round(x * 100) / 100;

const models = args.model ?? [
  path.resolve(repo, '../shared/models/stories260K.gguf'),
  path.join(repo, '.cache/models/bench-qwen2.5-0.5b-synthetic-Q4_K_M.gguf'),
].filter((f) => fs.existsSync(f));

/** Settings shared by both sides: flash attention on (our 'auto' resolves to on for CPU), f16 KV, b 2048 / ub 512. */
const common = { threads, threadsBatch: threads, flashAttention: true, kvCacheType: 'f16', nBatch: 2048, nUbatch: 512, prefixCache: false };

/** A prompt of exactly n tokens; `salt` rotates the text so that concurrent prompts differ. */
function promptOf(model, n, salt = 0) {
  const base = model.tokenize('Once upon a time, in a small town by the sea, there lived a curious little girl who loved stories. ', {});
  const body = [];
  while (body.length < n + base.length) body.push(...base);
  return [model.info.specialTokens.bos ?? base[0], ...body.slice(salt % base.length)].slice(0, n);
}

/**
 * Runs a llama.cpp tool; returns stdout and which CPU backend library it loaded. llama-bench logs it in
 * GGML_BACKEND_DL builds; llama-batched-bench does not (it picks the same best-scoring variant).
 */
function tool(name, argv) {
  const r = spawnSync(bin(name), argv, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${name} exited with ${r.status}: ${(r.stderr ?? '').slice(-2000)}`);
  const m = /loaded CPU backend from (\S+)/.exec(`${r.stderr}${r.stdout}`);
  return { out: r.stdout, cpuBackend: m ? path.basename(m[1]) : 'not logged' };
}

function theirsSingle(file) {
  const base = ['-m', file, '-t', String(threads), '-r', String(reps), '-fa', 'on', '-b', '2048', '-ub', '512', '-ctk', 'f16', '-ctv', 'f16', '-o', 'json'];
  // prompt: P tokens into an empty cache; decode: G tokens after a P-token context (-d P), as ours decodes after
  // its prompt (at depth 0 a tiny model decodes ~2x faster: attention over an empty cache)
  const pp = tool('llama-bench', [...base, '-p', String(P), '-n', '0']);
  const tg = tool('llama-bench', [...base, '-p', '0', '-n', String(G), '-d', String(P)]);
  const ppRow = JSON.parse(pp.out).find((r) => r.n_prompt === P && r.n_gen === 0);
  const tgRow = JSON.parse(tg.out).find((r) => r.n_gen === G && r.n_prompt === 0);
  return { promptTps: ppRow.avg_ts, decodeTps: tgRow.avg_ts, cpuInfo: ppRow.cpu_info, poll: ppRow.poll, flashAttn: ppRow.flash_attn, cpuBackend: pp.cpuBackend };
}

async function oursSingle(model) {
  // scoreSequences 0 (unless --single-score-seqs): one sequence, so no unified-KV batch check, as llama-bench
  const engine = await Engine.create(model, { ...common, parallel: 1, nCtx: 2048, scoreSequences: Number(args['single-score-seqs']) });
  try {
    await engine.generate(promptOf(model, 8), { temperature: 0, maxTokens: 4, ignoreEos: true }).result; // warm-up
    const pt = [];
    const dt = [];
    for (let i = 0; i < reps; i++) {
      const r = await engine.generate(promptOf(model, P, i), { temperature: 0, maxTokens: G + 1, ignoreEos: true }).result;
      pt.push((P / r.timings.promptMs) * 1000);
      dt.push(((r.tokens.length - 1) / r.timings.generationMs) * 1000);
    }
    return { promptTps: mean(pt), decodeTps: mean(dt) };
  } finally {
    await engine.dispose();
  }
}

const ctxFor = () => Math.max(...npl) * (npp + ntg + 1) + 64;

function theirsBatched(file, S, retried = false) {
  const { out, cpuBackend } = tool('llama-batched-bench', ['-m', file, '-c', String(ctxFor()), '-b', '2048', '-ub', '512', '-npp', String(npp),
    '-ntg', String(ntg), '-npl', String(S), '-t', String(threads), '-tb', String(threads), '-fa', 'on', '-kvu', '--output-format', 'jsonl']);
  const line = /\{"n_kv_max".*\}/.exec(out)?.[0];
  if (!line) {
    // llama.cpp's async logger has (rarely) lost the result line here: try once more
    if (!retried) return theirsBatched(file, S, true);
    throw new Error(`llama-batched-bench printed no result for -npl ${S}:\n${out.slice(-2000)}`);
  }
  const j = JSON.parse(line);
  return { genTps: (S * ntg) / j.t, tgPhaseTps: j.speed_tg, totalS: j.t, ppS: j.t_pp, cpuBackend };
}

async function oursBatched(model, S) {
  const engine = await Engine.create(model, { ...common, parallel: S, nCtx: ctxFor() });
  try {
    await engine.generate(promptOf(model, 8), { temperature: 0, maxTokens: 2, ignoreEos: true }).result; // warm-up
    const prompts = Array.from({ length: S }, (_, i) => promptOf(model, npp, i * 3 + 1));
    const t0 = now();
    const rs = await Promise.all(prompts.map((p) => engine.generate(p, { temperature: 0, maxTokens: ntg + 1, ignoreEos: true }).result));
    const wall = now() - t0;
    // decode phase: from the moment the last stream got its first token (all prompts evaluated) to the end
    const prompted = Math.max(...rs.map((r) => r.timings.queuedMs + r.timings.promptMs));
    const steps = rs.reduce((s, r) => s + r.tokens.length - 1, 0);
    return { genTps: (steps / wall) * 1000, tgPhaseTps: (steps / (wall - prompted)) * 1000, totalS: wall / 1000, ppS: prompted / 1000 };
  } finally {
    await engine.dispose();
  }
}

/** Runs theirs and ours `rounds` times in ABBA order; returns the mean of each numeric field. */
async function alternate(theirs, ours) {
  const a = [];
  const b = [];
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) { a.push(theirs()); b.push(await ours()); } else { b.push(await ours()); a.push(theirs()); }
  }
  const avg = (xs) => Object.fromEntries(Object.keys(xs[0]).map((k) => [k, typeof xs[0][k] === 'number' ? r2(mean(xs.map((x) => x[k]))) : xs[0][k]]));
  return { llamaCpp: avg(a), onramp: avg(b), samples: { llamaCpp: a, onramp: b } };
}

const results = { date: new Date().toISOString(), loadavgStart: os.loadavg(), cpus: os.cpus().length, threads, P, G, reps, rounds, npp, ntg, llamaBin: args['llama-bin'], models: {} };
log(`load average at start: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
for (const file of models) {
  const name = path.basename(file);
  log(`model ${name}`);
  const model = await Model.load(file);
  const r = (results.models[name] = {});
  if (!args['skip-single']) {
    const s = await alternate(() => theirsSingle(file), () => oursSingle(model));
    r.single = { ...s, ratio: { prompt: r2(s.onramp.promptTps / s.llamaCpp.promptTps), decode: r2(s.onramp.decodeTps / s.llamaCpp.decodeTps) } };
    log(`  single: ${JSON.stringify({ llamaCpp: s.llamaCpp, onramp: s.onramp, ratio: r.single.ratio })}`);
  }
  if (!args['skip-batched']) {
    r.batched = {};
    for (const S of npl) {
      const s = await alternate(() => theirsBatched(file, S), () => oursBatched(model, S));
      r.batched[S] = { ...s, ratio: { gen: r2(s.onramp.genTps / s.llamaCpp.genTps), tgPhase: r2(s.onramp.tgPhaseTps / s.llamaCpp.tgPhaseTps) } };
      log(`  ${S} streams: ${JSON.stringify({ llamaCpp: s.llamaCpp, onramp: s.onramp, ratio: r.batched[S].ratio })}`);
    }
  }
  await model.dispose();
}
results.loadavgEnd = os.loadavg();
log(`load average at end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
fs.mkdirSync(path.dirname(args.out), { recursive: true });
fs.writeFileSync(args.out, JSON.stringify(results, null, 2));
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
