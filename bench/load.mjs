#!/usr/bin/env node
/**
 * Runtime benchmark: model load time (mmap) and first-token time of a synthetic Qwen2.5-0.5B-shaped Q4_K_M model,
 * onramp vs node-llama-cpp (the same llama.cpp release), same file, same threads. Runs alternate between the two
 * so page cache and CPU contention hit both alike; the first run of each is a warm-up and is not counted.
 *
 * Run after `npx tsc -p tsconfig.json`:
 *   node bench/load.mjs [--runs 5] [--threads 2] [--prompt-tokens 128] [--ctx 1024] [--model <gguf>]
 *                       [--out .cache/bench/load.json]
 * Without --model, the F16 model is made once with makeSyntheticModel({ shape: 'qwen2.5-0.5b', vocab: 'qwen2' })
 * (random weights, real Qwen2 tokenizer; speed does not depend on the weight values) and quantized once to
 * Q4_K_M with our quantize(); both are cached under .cache/models.
 *
 * Load: `Model.load(file)` (includes our validateGguf pre-check) vs `llama.loadModel({ modelPath, gpuLayers: 0 })`.
 * First token: from submitting a prompt of --prompt-tokens tokens to receiving the first sampled token, on a
 * fresh context of --ctx tokens (context creation not counted): `Engine.generate(tokens, { maxTokens: 1 })` vs
 * `LlamaCompletion.generateCompletion(tokens, { maxTokens: 1 })`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { getLlama, LlamaCompletion } from 'node-llama-cpp';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(path.join(repo, 'dist', p));
const { Model } = await dist('engine/Model.js');
const { quantize } = await dist('engine/quantize.js');
const { makeSyntheticModel, validateGguf } = await dist('gguf/index.js');
let Engine;
try {
  ({ Engine } = await dist('engine/Engine.js'));
} catch {
  Engine = undefined;
}

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    threads: { type: 'string', default: '2' },
    'prompt-tokens': { type: 'string', default: '128' },
    ctx: { type: 'string', default: '1024' },
    model: { type: 'string' },
    out: { type: 'string', default: path.join(repo, '.cache/bench/load.json') },
  },
});
const runs = Number(args.runs);
const threads = Number(args.threads);
const promptTokens = Number(args['prompt-tokens']);
const nCtx = Number(args.ctx);
const log = (m) => process.stderr.write(`[bench:load] ${m}\n`);
const now = () => performance.now();
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function benchModel() {
  if (args.model) return path.resolve(args.model);
  const dir = path.join(repo, '.cache', 'models');
  const q4 = path.join(dir, 'bench-qwen2.5-0.5b-synthetic-Q4_K_M.gguf');
  if (fs.existsSync(q4)) return q4;
  let t = now();
  log('making the synthetic Qwen2.5-0.5B F16 model (once)...');
  const f16 = await makeSyntheticModel({ shape: 'qwen2.5-0.5b', vocab: 'qwen2', seed: 0, type: 'f16' });
  log(`  ${f16} (${(fs.statSync(f16).size / 2 ** 20).toFixed(0)} MiB) in ${((now() - t) / 1000).toFixed(1)} s`);
  t = now();
  log('quantizing to Q4_K_M (once)...');
  const r = await quantize(f16, q4, { type: 'Q4_K_M', threads });
  log(`  ${(r.outputBytes / 2 ** 20).toFixed(0)} MiB in ${((now() - t) / 1000).toFixed(1)} s`);
  return q4;
}

const file = await benchModel();
const size = fs.statSync(file).size;
const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });

// ---- load time (mmap) ----
const load = { onramp: [], nodeLlamaCpp: [], validateGguf: [] };
for (let i = 0; i <= runs; i++) {
  let t = now();
  await validateGguf(file);
  const v = now() - t;
  t = now();
  const ours = await Model.load(file, { gpuLayers: 0, useMmap: true });
  const a = now() - t;
  await ours.dispose();
  t = now();
  const theirs = await llama.loadModel({ modelPath: file, gpuLayers: 0, useMmap: true });
  const b = now() - t;
  await theirs.dispose();
  if (i > 0) {
    load.onramp.push(a);
    load.nodeLlamaCpp.push(b);
    load.validateGguf.push(v);
  }
  log(`load run ${i}${i === 0 ? ' (warm-up)' : ''}: onramp ${a.toFixed(1)} ms (validateGguf alone ${v.toFixed(1)} ms), node-llama-cpp ${b.toFixed(1)} ms`);
}

// ---- first token ----
const first = { onramp: [], nodeLlamaCpp: [] };
let firstTokenNote = null;
const ours = await Model.load(file, { gpuLayers: 0 });
const theirs = await llama.loadModel({ modelPath: file, gpuLayers: 0 });
const base = ours.tokenize('The quick brown fox jumps over the lazy dog while the committee reviews the quarterly report. ');
const promptFor = (i) => {
  // a distinct first token per run, so no prefix cache can help either side
  const head = ours.tokenize(`Run ${i}: `);
  const out = [...head];
  while (out.length < promptTokens) out.push(...base);
  return out.slice(0, promptTokens);
};
if (!Engine) {
  firstTokenNote = 'src/engine/Engine.ts is not built: first-token half skipped';
  log(firstTokenNote);
} else {
  for (let i = 0; i <= runs; i++) {
    const tokens = promptFor(i);
    const engine = await Engine.create(ours, { nCtx, parallel: 1, threads, nBatch: 512, prefixCache: false });
    let t = now();
    const gen = engine.generate(tokens, { maxTokens: 1, temperature: 0 });
    let a = NaN;
    for await (const ev of gen) {
      if (Number.isNaN(a)) a = now() - t;
      void ev;
    }
    await gen.result;
    await engine.dispose();
    const ctx = await theirs.createContext({ contextSize: nCtx, threads, batchSize: 512, sequences: 1 });
    const completion = new LlamaCompletion({ contextSequence: ctx.getSequence() });
    let b = NaN;
    t = now();
    await completion.generateCompletion(tokens, {
      maxTokens: 1,
      temperature: 0,
      onToken: () => {
        if (Number.isNaN(b)) b = now() - t;
      },
    });
    if (Number.isNaN(b)) b = now() - t;
    await ctx.dispose();
    if (i > 0) {
      first.onramp.push(a);
      first.nodeLlamaCpp.push(b);
    }
    log(`first-token run ${i}${i === 0 ? ' (warm-up)' : ''}: onramp ${a.toFixed(1)} ms, node-llama-cpp ${b.toFixed(1)} ms (${tokens.length} prompt tokens)`);
  }
}
await ours.dispose();
await theirs.dispose();
await llama.dispose();

const summary = {
  file,
  fileBytes: size,
  runs,
  threads,
  promptTokens,
  nCtx,
  load: {
    onrampMedianMs: median(load.onramp),
    nodeLlamaCppMedianMs: median(load.nodeLlamaCpp),
    ratio: median(load.onramp) / median(load.nodeLlamaCpp),
    validateGgufMedianMs: median(load.validateGguf),
    samples: load,
  },
  firstToken: first.onramp.length
    ? {
        onrampMedianMs: median(first.onramp),
        nodeLlamaCppMedianMs: median(first.nodeLlamaCpp),
        ratio: median(first.onramp) / median(first.nodeLlamaCpp),
        samples: first,
      }
    : { note: firstTokenNote },
};
fs.mkdirSync(path.dirname(args.out), { recursive: true });
fs.writeFileSync(args.out, JSON.stringify(summary, null, 2));
const f = (x) => (x === undefined ? '-' : x.toFixed(1));
process.stdout.write(
  `model: ${path.basename(file)} (${(size / 2 ** 20).toFixed(0)} MiB), threads ${threads}, ${runs} runs (median)\n` +
    `| metric | onramp | node-llama-cpp | ratio |\n|---|---|---|---|\n` +
    `| load (mmap) ms | ${f(summary.load.onrampMedianMs)} | ${f(summary.load.nodeLlamaCppMedianMs)} | ${summary.load.ratio.toFixed(2)} |\n` +
    (summary.firstToken.ratio !== undefined
      ? `| first token (${promptTokens}-token prompt) ms | ${f(summary.firstToken.onrampMedianMs)} | ${f(summary.firstToken.nodeLlamaCppMedianMs)} | ${summary.firstToken.ratio.toFixed(2)} |\n`
      : '') +
    `(validateGguf alone: ${f(summary.load.validateGgufMedianMs)} ms, included in onramp's load)\n`,
);
