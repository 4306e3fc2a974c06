/** `onramp make-lora`: writes a synthetic LoRA adapter (seeded A/B matrices) for a base GGUF model. */
import type { Command } from 'commander';
import { InvalidArgumentError } from '../../errors.js';
import { inspectLora, LORA_TARGETS, makeLora } from '../../gguf/lora.js';

interface Opts {
  model: string;
  rank: string;
  alpha: string;
  targets: string;
  seed: string;
  std?: string;
  type?: string;
  output: string;
  json?: boolean;
}

function num(name: string, v: string, int = false): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || (int && (!Number.isInteger(n) || n < 0))) throw new InvalidArgumentError(name, `expected a${int ? ' non-negative integer' : ' number'}, got "${v}"`);
  return n;
}

/** Registers `onramp make-lora`. */
export function register(program: Command): void {
  program
    .command('make-lora')
    .description('write a synthetic LoRA adapter GGUF for a base model (for tests and demos)')
    .requiredOption('--model <gguf>', 'base model')
    .requiredOption('--rank <r>', 'LoRA rank')
    .option('--alpha <a>', 'LoRA alpha (effective factor alpha / rank)', '')
    .option('--targets <list>', `comma-separated: ${LORA_TARGETS.join(',')}`, 'attn_q,attn_v')
    .option('--seed <n>', 'random seed', '0')
    .option('--std <x>', 'standard deviation of A and B entries', '0.05')
    .option('--type <f32|f16>', 'tensor type', 'f32')
    .requiredOption('-o, --output <file>', 'output adapter file')
    .option('--json', 'print one JSON object')
    .action(async (opts: Opts) => {
      const rank = num('rank', opts.rank, true);
      const alpha = opts.alpha === '' ? rank : num('alpha', opts.alpha);
      if (opts.type !== 'f32' && opts.type !== 'f16') throw new InvalidArgumentError('type', `must be f32 or f16, got "${String(opts.type)}"`);
      const targets = opts.targets.split(',').map((t) => t.trim()).filter((t) => t.length > 0);
      await makeLora({
        model: opts.model, rank, alpha, targets, seed: num('seed', opts.seed, true), std: num('std', opts.std ?? '0.05'), type: opts.type, output: opts.output,
      });
      const info = await inspectLora(opts.output);
      if (opts.json) process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
      else process.stdout.write(`wrote ${opts.output}: ${info.architecture} LoRA rank ${info.rank}, alpha ${info.alpha}, ${info.pairs.length} target tensors, ${info.fileSize} bytes\n`);
    });
}
