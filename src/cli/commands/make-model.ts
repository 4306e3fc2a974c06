/**
 * `onramp make-model`: writes a synthetic llama/qwen2 GGUF model with seeded random weights and a real tokenizer
 * copied from a llama.cpp vocab file.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InvalidArgumentError } from '../../errors.js';
import { readGguf } from '../../gguf/reader.js';
import { summarizeGguf } from '../../gguf/summary.js';
import { makeSyntheticModel, MODEL_SHAPES, resolveShape, type ModelShape } from '../../gguf/synthetic.js';

interface Opts {
  shape: string;
  vocab?: string;
  vocabLimit?: string;
  seed: string;
  type?: string;
  output: string;
  json?: boolean;
}

function int(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(name, `expected a non-negative integer, got "${v}"`);
  return n;
}

/** `tiny`, `qwen2.5-0.5b`, a JSON object, or a JSON file. */
function shapeArg(v: string): string | Partial<ModelShape> {
  if (v in MODEL_SHAPES || v.trim().startsWith('{')) return v;
  if (existsSync(v)) return JSON.parse(readFileSync(v, 'utf8')) as Partial<ModelShape>;
  return v;
}

/** Registers `onramp make-model`. */
export function register(program: Command): void {
  program
    .command('make-model')
    .description('write a synthetic GGUF model (seeded random weights, real tokenizer) for tests and benchmarks')
    .option('--shape <shape>', `${Object.keys(MODEL_SHAPES).join(' | ')} | JSON object or file {arch,layers,hidden,heads,kvHeads,ff,...}`, 'tiny')
    .option('--vocab <name|file>', 'tokenizer source: llama-spm, qwen2, ... (deps/llama.cpp/models/ggml-vocab-<name>.gguf) or a GGUF path')
    .option('--vocab-limit <n>', 'keep only the first n tokens (SPM vocabs): tiny fast-loading models')
    .option('--seed <n>', 'random seed', '0')
    .option('--type <f32|f16>', 'weight type (default f16 above 50M parameters, else f32)')
    .requiredOption('-o, --output <file>', 'output GGUF file')
    .option('--json', 'print one JSON object')
    .action(async (opts: Opts) => {
      if (opts.type !== undefined && opts.type !== 'f32' && opts.type !== 'f16') throw new InvalidArgumentError('type', `must be f32 or f16, got "${opts.type}"`);
      const shape = resolveShape(shapeArg(opts.shape));
      const t0 = performance.now();
      const path = await makeSyntheticModel({
        shape,
        ...(opts.vocab !== undefined ? { vocab: opts.vocab } : {}),
        ...(opts.vocabLimit !== undefined ? { vocabLimit: int('vocab-limit', opts.vocabLimit) } : {}),
        seed: int('seed', opts.seed),
        ...(opts.type !== undefined ? { type: opts.type } : {}),
        output: opts.output,
      });
      const seconds = (performance.now() - t0) / 1000;
      const s = summarizeGguf(await readGguf(path));
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ path, shape, architecture: s.architecture, parameters: s.parameters, fileSize: s.fileSize, fileType: s.fileType, vocabSize: s.vocabSize, seconds }, null, 2)}\n`);
        return;
      }
      process.stdout.write(`wrote ${path}: ${s.architecture} ${shape.layers}x${shape.hidden}, ${s.parameters} parameters, ${s.fileType}, vocab ${s.vocabSize}, ${s.fileSize} bytes in ${seconds.toFixed(1)} s\n`);
    });
}
