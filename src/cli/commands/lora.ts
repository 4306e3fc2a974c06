/**
 * `onramp lora <subcommand>`: `merge` (bake adapters into a copy of an F32/F16 model) and `inspect` (adapter
 * metadata and tensor pairs). Runtime LoRA features add their subcommands here.
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from '../../errors.js';
import { inspectLora, mergeLora, type LoraInfo } from '../../gguf/lora.js';

/**
 * Parses `path[:scale]` (scale defaults to 1).
 *
 * @example
 * parseLoraArg('a.gguf:0.5') // { path: 'a.gguf', scale: 0.5 }
 */
export function parseLoraArg(v: string): { path: string; scale: number } {
  const i = v.lastIndexOf(':');
  if (i > 0) {
    const tail = v.slice(i + 1);
    const n = Number(tail);
    if (tail.trim() !== '' && Number.isFinite(n)) return { path: v.slice(0, i), scale: n };
    if (/^[-+.\deE]+$/.test(tail)) throw new InvalidArgumentError('lora', `bad scale "${tail}" in "${v}"`);
  }
  return { path: v, scale: 1 };
}

function formatInfo(info: LoraInfo): string {
  const lines = [
    `file               ${info.path}`,
    `architecture       ${String(info.architecture)}`,
    `adapter type       ${String(info.adapterType)}`,
    `rank               ${info.rank}${new Set(info.ranks).size > 1 ? ` (ranks ${[...new Set(info.ranks)].join(', ')})` : ''}`,
    `alpha              ${info.alpha}`,
    `file size          ${info.fileSize} bytes`,
  ];
  if (info.invocationTokens) lines.push(`aLoRA invocation   [${info.invocationTokens.join(', ')}]`);
  lines.push('', `tensor pairs (${info.pairs.length})`);
  const w = Math.max(6, ...info.pairs.map((p) => p.target.length));
  for (const p of info.pairs) lines.push(`  ${p.target.padEnd(w)}  ${p.type.padEnd(4)}  A [${p.a.join(', ')}]  B [${p.b.join(', ')}]`);
  return lines.join('\n');
}

/** Registers `onramp lora merge|inspect`. */
export function register(program: Command): void {
  const lora = program.command('lora').description('LoRA adapters: merge into a model, inspect');
  lora
    .command('merge')
    .description('merge LoRA adapters into a copy of an F32/F16 base model (W + scale * alpha/r * B.A)')
    .requiredOption('--model <gguf>', 'base model (F32 or F16 target tensors)')
    .requiredOption('--lora <file[:scale]>', 'adapter, repeatable', (v: string, acc: string[] = []) => [...acc, v])
    .requiredOption('-o, --output <file>', 'merged model file')
    .option('--json', 'print one JSON object')
    .action(async (opts: { model: string; lora: string[]; output: string; json?: boolean }) => {
      const loras = opts.lora.map(parseLoraArg);
      const t0 = performance.now();
      await mergeLora({ model: opts.model, loras, output: opts.output });
      const seconds = (performance.now() - t0) / 1000;
      if (opts.json) process.stdout.write(`${JSON.stringify({ output: opts.output, model: opts.model, loras, seconds })}\n`);
      else process.stdout.write(`wrote ${opts.output}: ${opts.model} + ${loras.map((l) => `${l.path} x ${l.scale}`).join(' + ')} in ${seconds.toFixed(1)} s\n`);
    });
  lora
    .command('inspect')
    .description('show a LoRA adapter: architecture, rank, alpha, tensor pairs')
    .argument('<file>', 'adapter GGUF')
    .option('--json', 'print one JSON object')
    .action(async (file: string, opts: { json?: boolean }) => {
      const info = await inspectLora(file);
      process.stdout.write(opts.json ? `${JSON.stringify(info, null, 2)}\n` : `${formatInfo(info)}\n`);
    });
}
