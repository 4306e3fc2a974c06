#!/usr/bin/env node
/**
 * LoRA benchmark: aggregate generation throughput of 8 concurrent streams on one engine (8 slots) with
 *   none - no adapter,
 *   one  - all 8 streams on adapter A,
 *   two  - 4 streams on A + 4 streams on B (two adapter sets: one llama_decode per set per step),
 * and, with --extra, mixed (4 none + 4 A) and a solo stream per case (latency reference).
 * Scenarios alternate run by run so CPU contention hits them alike; the first round is a warm-up.
 *
 * Run after `npx tsc -p tsconfig.json`:
 *   node bench/lora.mjs [--model <gguf>] [--runs 3] [--threads 2] [--tokens 64] [--prompt-tokens 32]
 *                       [--rank 16] [--targets attn_q,attn_k,attn_v,attn_output] [--extra]
 *                       [--out .cache/bench/lora.json]
 * Without --model: the synthetic Qwen2.5-0.5B-shaped Q4_K_M model of bench/load.mjs
 * (.cache/models/bench-qwen2.5-0.5b-synthetic-Q4_K_M.gguf; made there when missing), or `--model tiny` for the
 * 2-layer synthetic llama. Adapters are made with makeLora (random A/B, rank --rank, alpha 2*rank) and cached
 * under .cache/bench. Every stream gets its own prompt (no prefix sharing), greedy, ignoreEos.
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
const { makeSyntheticModel, makeLora } = await dist('gguf/index.js');

const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    runs: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
    tokens: { type: 'string', default: '64' },
    'prompt-tokens': { type: 'string', default: '32' },
    rank: { type: 'string', default: '16' },
    targets: { type: 'string', default: 'attn_q,attn_k,attn_v,attn_output' },
    extra: { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(repo, '.cache/bench/lora.json') },
  },
});
const runs = Number(args.runs);
const threads = Number(args.threads);
const nTok = Number(args.tokens);
const nPrompt = Number(args['prompt-tokens']);
const rank = Number(args.rank);
const targets = args.targets.split(',');
const STREAMS = 8;

let modelPath = args.model;
if (modelPath === 'tiny') modelPath = await makeSyntheticModel({ shape: 'tiny', vocab: 'llama-spm', vocabLimit: 512, seed: 1, type: 'f32' });
if (!modelPath) {
  modelPath = path.join(repo, '.cache/models/bench-qwen2.5-0.5b-synthetic-Q4_K_M.gguf');
  if (!fs.existsSync(modelPath)) {
    console.error(`${modelPath} is missing: run \`node bench/load.mjs --runs 1\` once to make it, or pass --model`);
    process.exit(1);
  }
}
const cache = path.join(repo, '.cache/bench');
fs.mkdirSync(cache, { recursive: true });
const tag = `${path.basename(modelPath, '.gguf')}-r${rank}-${targets.join('+')}`;
const adapter = async (seed) => {
  const out = path.join(cache, `lora-${tag}-s${seed}.gguf`);
  if (!fs.existsSync(out)) await makeLora({ model: modelPath, rank, alpha: 2 * rank, targets, seed, std: 0.01, output: out });
  return out;
};
const [pathA, pathB] = [await adapter(1), await adapter(2)];

const model = await Model.load(modelPath);
const nCtx = STREAMS * (nPrompt + nTok + 8);
const engine = await Engine.create(model, { parallel: STREAMS, nCtx, threads });
const infoA = await engine.loras.load('a', pathA);
await engine.loras.load('b', pathB);
const vocab = model.info.vocabSize;
let promptSeed = 1;
const prompt = () => Array.from({ length: nPrompt }, (_, i) => 1 + ((promptSeed++ * 7919 + i * 104729) % (vocab - 2)));

const scenarios = {
  none: Array(STREAMS).fill(undefined),
  one: Array(STREAMS).fill([{ name: 'a' }]),
  two: [...Array(STREAMS / 2).fill([{ name: 'a' }]), ...Array(STREAMS / 2).fill([{ name: 'b' }])],
  ...(args.extra ? { mixed: [...Array(STREAMS / 2).fill(undefined), ...Array(STREAMS / 2).fill([{ name: 'a' }])], solo: [undefined], 'solo-a': [[{ name: 'a' }]] } : {}),
};

async function runOnce(sets) {
  const t0 = performance.now();
  const results = await Promise.all(
    sets.map((lora) => engine.generate(prompt(), { temperature: 0, maxTokens: nTok, ignoreEos: true, ...(lora ? { lora } : {}) }).result),
  );
  const ms = performance.now() - t0;
  const tokens = results.reduce((s, r) => s + r.usage.completionTokens, 0);
  const genMs = results.map((r) => r.timings.generationMs);
  return { ms, tokens, tokPerS: (tokens / ms) * 1000, meanGenMs: genMs.reduce((a, b) => a + b, 0) / genMs.length };
}

const samples = Object.fromEntries(Object.keys(scenarios).map((k) => [k, []]));
for (let round = 0; round <= runs; round++) {
  for (const [name, sets] of Object.entries(scenarios)) {
    const r = await runOnce(sets);
    if (round > 0) samples[name].push(r);
    process.stderr.write(`${round === 0 ? 'warm-up' : `run ${round}`} ${name}: ${r.tokPerS.toFixed(1)} tok/s\n`);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const summary = Object.fromEntries(
  Object.entries(samples).map(([k, v]) => [k, { streams: scenarios[k].length, tokPerS: median(v.map((x) => x.tokPerS)), wallMs: median(v.map((x) => x.ms)), runs: v.map((x) => Math.round(x.tokPerS * 10) / 10) }]),
);
const doc = {
  model: path.basename(modelPath),
  modelInfo: { architecture: model.info.architecture, parameters: model.info.parameters, fileType: model.info.fileType },
  adapter: { rank, alpha: 2 * rank, targets, sizeBytes: infoA.sizeBytes },
  threads,
  tokensPerStream: nTok,
  promptTokens: nPrompt,
  runs,
  cpus: os.cpus().length,
  loadavg: os.loadavg().map((x) => Math.round(x * 10) / 10),
  summary,
  ratios: { oneVsNone: summary.one.tokPerS / summary.none.tokPerS, twoVsNone: summary.two.tokPerS / summary.none.tokPerS, twoVsOne: summary.two.tokPerS / summary.one.tokPerS },
};
fs.mkdirSync(path.dirname(args.out), { recursive: true });
fs.writeFileSync(args.out, `${JSON.stringify(doc, null, 2)}\n`);
console.log(`| case | streams | aggregate tok/s (median) | wall ms | runs (tok/s) |\n|---|---|---|---|---|`);
for (const [k, s] of Object.entries(summary)) console.log(`| ${k} | ${s.streams} | ${s.tokPerS.toFixed(1)} | ${s.wallMs.toFixed(0)} | ${s.runs.join(', ')} |`);
console.log(`ratios: one/none ${doc.ratios.oneVsNone.toFixed(2)}, two/none ${doc.ratios.twoVsNone.toFixed(2)}, two/one ${doc.ratios.twoVsOne.toFixed(2)}; loadavg ${doc.loadavg.join(' ')}`);
await engine.loras.dispose();
await engine.dispose();
await model.dispose();
