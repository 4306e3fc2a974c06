import fs from 'node:fs';
import path from 'node:path';
import { FileError, InvalidArgumentError } from '../errors.js';
import { loadBinding } from '../native/loadBinding.js';
import { captureStack } from '../native/rewrap.js';
import { preflightModel } from './fileCheck.js';
import { architectureOf, metaNumber } from '../gguf/index.js';

/**
 * llama_ftype numbers of the quantization types `quantize` accepts (names as llama.cpp's `llama-quantize`).
 * The IQ1/IQ2/IQ3 types are left out: they need an importance matrix.
 */
export const QUANT_TYPES = Object.freeze({
  F32: 0,
  F16: 1,
  BF16: 32,
  Q8_0: 7,
  Q6_K: 18,
  Q5_K_M: 17,
  Q5_K_S: 16,
  Q5_1: 9,
  Q5_0: 8,
  Q4_K_M: 15,
  Q4_K_S: 14,
  Q4_1: 3,
  Q4_0: 2,
  IQ4_NL: 25,
  IQ4_XS: 30,
  Q3_K_L: 13,
  Q3_K_M: 12,
  Q3_K_S: 11,
  Q2_K: 10,
} as const);

export type QuantType = keyof typeof QUANT_TYPES;

const FTYPE_NAMES: ReadonlyMap<number, string> = new Map<number, string>([
  ...Object.entries(QUANT_TYPES).map(([k, v]) => [v, k] as [number, string]),
  [19, 'IQ2_XXS'], [20, 'IQ2_XS'], [21, 'Q2_K_S'], [22, 'IQ3_XS'], [23, 'IQ3_XXS'], [24, 'IQ1_S'], [26, 'IQ3_S'],
  [27, 'IQ3_M'], [28, 'IQ2_S'], [29, 'IQ2_M'], [31, 'IQ1_M'], [36, 'TQ1_0'], [37, 'TQ2_0'], [38, 'MXFP4_MOE'],
  [39, 'NVFP4'], [40, 'Q1_0'], [41, 'Q2_0'],
]);

/**
 * The name of a llama_ftype number ("Q4_K_M"); the GUESSED flag (1024) is ignored.
 *
 * @example
 * ftypeName(15) // 'Q4_K_M'
 */
export function ftypeName(ftype: number): string {
  return FTYPE_NAMES.get(ftype & ~1024) ?? `UNKNOWN_${ftype}`;
}

/** One progress event: `done` of `total` tensors written (derived from llama.cpp's per-tensor log lines). */
export interface QuantizeProgress {
  done: number;
  total: number;
  /** done / total, 0..1. */
  fraction: number;
  /** The tensor being processed ('' at the end). */
  tensor: string;
}

export interface QuantizeOptions {
  /** Target type, e.g. 'Q4_K_M'. */
  type: QuantType;
  /** Block (layer) indices to drop from the output, e.g. [3, 4]. */
  pruneLayers?: number[];
  /** Worker threads; 0 or omitted = all hardware threads. */
  threads?: number;
  /** Re-quantize tensors that are already quantized (lossy twice). Default false. */
  allowRequantize?: boolean;
  /** Use `type` for every tensor (no k-quant mixture). Default false. */
  pure?: boolean;
  onProgress?: (p: QuantizeProgress) => void;
}

export interface QuantizeResult {
  input: string;
  output: string;
  type: QuantType;
  inputBytes: number;
  outputBytes: number;
  durationMs: number;
}

function validate(opts: unknown): Required<Pick<QuantizeOptions, 'type' | 'threads' | 'pruneLayers'>> & QuantizeOptions {
  if (typeof opts !== 'object' || opts === null) throw new InvalidArgumentError('options', 'must be an object with at least `type`');
  const o = opts as Partial<QuantizeOptions>;
  if (typeof o.type !== 'string' || !(o.type in QUANT_TYPES)) {
    throw new InvalidArgumentError('type', `must be one of ${Object.keys(QUANT_TYPES).join(', ')}; got ${JSON.stringify(o.type)}`);
  }
  const threads = o.threads ?? 0;
  if (!Number.isInteger(threads) || threads < 0 || threads > 1024) throw new InvalidArgumentError('threads', 'must be an integer in 0..1024');
  const prune = o.pruneLayers ?? [];
  if (!Array.isArray(prune) || prune.some((x) => !Number.isInteger(x) || x < 0 || x > 65535)) {
    throw new InvalidArgumentError('pruneLayers', 'must be an array of layer indices (integers >= 0)');
  }
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw new InvalidArgumentError('onProgress', 'must be a function');
  for (const k of ['allowRequantize', 'pure'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'boolean') throw new InvalidArgumentError(k, 'must be a boolean');
  }
  return { ...o, type: o.type as QuantType, threads, pruneLayers: [...new Set(prune)].sort((a, b) => a - b) };
}

/**
 * Quantizes a GGUF model with llama.cpp's `llama_model_quantize`, off the JS thread. The output is written to
 * a temporary file beside `output` and renamed when complete, so a failed run leaves no partial file.
 *
 * @example
 * const r = await quantize('model-f16.gguf', 'model-q4.gguf', { type: 'Q4_K_M', onProgress: (p) => bar.update(p.fraction) })
 * console.log(`${r.inputBytes} -> ${r.outputBytes} bytes`)
 */
export async function quantize(input: string, output: string, options: QuantizeOptions): Promise<QuantizeResult> {
  const opts = validate(options);
  const { absPath: inPath, size: inputBytes, gguf } = await preflightModel(input, 'input');
  const blocks = metaNumber(gguf, `${architectureOf(gguf) ?? ''}.block_count`);
  if (blocks !== undefined) {
    const bad = opts.pruneLayers.find((l) => l >= blocks);
    if (bad !== undefined) throw new InvalidArgumentError('pruneLayers', `layer ${bad} does not exist (the model has ${blocks} layers: 0..${blocks - 1})`);
    if (opts.pruneLayers.length >= blocks) throw new InvalidArgumentError('pruneLayers', `cannot prune all ${blocks} layers`);
  }
  if (typeof output !== 'string' || output.length === 0) throw new InvalidArgumentError('output', 'must be a non-empty file path');
  const outPath = path.resolve(output);
  if (outPath === inPath) throw new InvalidArgumentError('output', 'must differ from the input file');
  const outDir = path.dirname(outPath);
  if (!fs.existsSync(outDir) || !fs.statSync(outDir).isDirectory()) throw new FileError('FILE_NOT_FOUND', outDir, 'output folder does not exist');
  if (fs.existsSync(outPath) && fs.statSync(outPath).isDirectory()) throw new FileError('FILE_IS_DIRECTORY', outPath, 'output is a directory');

  const addon = loadBinding();
  const rewrap = captureStack('quantize');
  const tmp = `${outPath}.tmp-${process.pid}-${Date.now()}`;
  let finished = false;
  let total = 0;
  const started = performance.now();
  const onProgress = opts.onProgress;
  try {
    await addon
      .quantize(inPath, tmp, {
        ftype: QUANT_TYPES[opts.type],
        threads: opts.threads,
        pruneLayers: opts.pruneLayers,
        allowRequantize: opts.allowRequantize ?? false,
        pure: opts.pure ?? false,
      }, onProgress ? (p) => {
        // Events queued before completion may arrive after it; the final event below is the last one.
        if (finished) return;
        total = p.total;
        onProgress({ done: p.done, total: p.total, fraction: p.total > 0 ? p.done / p.total : 0, tensor: p.tensor });
      } : undefined)
      .catch((e: unknown) => {
        throw rewrap(e);
      });
    finished = true;
    await fs.promises.rename(tmp, outPath);
  } catch (e) {
    finished = true;
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
  if (onProgress) onProgress({ done: total, total, fraction: 1, tensor: '' });
  const outputBytes = (await fs.promises.stat(outPath)).size;
  return { input: inPath, output: outPath, type: opts.type, inputBytes, outputBytes, durationMs: performance.now() - started };
}
