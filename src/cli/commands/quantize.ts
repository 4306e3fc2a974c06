/**
 * `onramp quantize <in> <out> --type Q4_K_M [--prune-layers 3,4] [--threads N] [--json]`: llama.cpp quantization
 * with a progress bar (per tensor) and the file sizes before and after.
 */
import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import { InvalidArgumentError } from '../../errors.js';
import { QUANT_TYPES, quantize, type QuantType } from '../../engine/quantize.js';

interface Opts {
  type: string;
  pruneLayers?: string;
  threads?: string;
  allowRequantize?: boolean;
  pure?: boolean;
  progress: boolean;
  json?: boolean;
}

/** "1.2 MiB" style sizes. */
function fmtBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${units[i]}`;
}

function parseLayers(spec: string): number[] {
  const parts = spec.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const out = parts.map((p) => Number(p));
  if (out.length === 0 || out.some((n, i) => !/^\d+$/.test(parts[i]!) || !Number.isInteger(n))) {
    throw new InvalidArgumentError('prune-layers', `expected comma-separated layer indices like 3,4; got "${spec}"`);
  }
  return out;
}

/** Registers `onramp quantize`. */
export function register(program: Command): void {
  program
    .command('quantize')
    .description('quantize a GGUF model with llama.cpp (e.g. F16/F32 -> Q4_K_M)')
    .argument('<input>', 'source GGUF file')
    .argument('<output>', 'output GGUF file (written atomically)')
    .requiredOption('--type <type>', `target type: ${Object.keys(QUANT_TYPES).join(', ')}`)
    .option('--prune-layers <list>', 'comma-separated block indices to drop, e.g. 3,4')
    .option('--threads <n>', 'worker threads (default: all cores)')
    .option('--allow-requantize', 'allow re-quantizing already quantized tensors')
    .option('--pure', 'use the target type for every tensor (no k-quant mixture)')
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print one JSON document with the result')
    .action(async (input: string, output: string, o: Opts) => {
      const type = o.type.toUpperCase();
      if (!(type in QUANT_TYPES)) throw new InvalidArgumentError('type', `unknown type "${o.type}"; one of ${Object.keys(QUANT_TYPES).join(', ')}`);
      let threads: number | undefined;
      if (o.threads !== undefined) {
        threads = Number(o.threads);
        if (!/^\d+$/.test(o.threads)) throw new InvalidArgumentError('threads', `expected a non-negative integer, got "${o.threads}"`);
      }
      const pruneLayers = o.pruneLayers !== undefined ? parseLayers(o.pruneLayers) : undefined;
      const showBar = o.progress && !o.json && process.stderr.isTTY === true;
      const bar = showBar
        ? new SingleBar({ format: 'quantizing [{bar}] {value}/{total} tensors {tensor}', stream: process.stderr, hideCursor: true }, Presets.shades_classic)
        : undefined;
      let started = false;
      const r = await quantize(input, output, {
        type: type as QuantType,
        ...(threads !== undefined ? { threads } : {}),
        ...(pruneLayers ? { pruneLayers } : {}),
        ...(o.allowRequantize ? { allowRequantize: true } : {}),
        ...(o.pure ? { pure: true } : {}),
        onProgress: (p) => {
          if (!bar) return;
          if (!started) {
            bar.start(p.total, p.done, { tensor: '' });
            started = true;
          }
          bar.update(p.done, { tensor: p.tensor });
        },
      }).finally(() => bar?.stop());
      if (o.json) {
        process.stdout.write(`${JSON.stringify({ ...r, ratio: r.outputBytes / r.inputBytes, ...(pruneLayers ? { prunedLayers: pruneLayers } : {}) })}\n`);
        return;
      }
      const pct = ((1 - r.outputBytes / r.inputBytes) * 100).toFixed(1);
      process.stdout.write(
        `${r.output}\n  type    ${r.type}${pruneLayers ? ` (pruned layers ${pruneLayers.join(',')})` : ''}\n` +
          `  before  ${fmtBytes(r.inputBytes)} (${r.inputBytes} bytes)\n  after   ${fmtBytes(r.outputBytes)} (${r.outputBytes} bytes), ${pct}% smaller\n` +
          `  time    ${(r.durationMs / 1000).toFixed(2)} s\n`,
      );
    });
}
