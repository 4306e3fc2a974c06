import type { Command } from 'commander';
import { Engine } from '../../engine/Engine.js';
import { Model } from '../../engine/Model.js';
import { InvalidArgumentError } from '../../errors.js';
import type { GenerateOptions } from '../../engine/types.js';
import { parseLoraSpec } from '../../engine/lora.js';

const num = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(name, `must be a number; got ${v}`);
  return n;
};
const collect = (v: string, prev: string[]): string[] => [...prev, v];

interface GenerateFlags {
  model: string;
  prompt: string;
  maxTokens: number;
  temperature?: number;
  topK?: number;
  topP?: number;
  seed?: number;
  stop: string[];
  json?: boolean;
  ctx?: number;
  threads?: number;
  lora: string[];
}

/**
 * `onramp generate --model <gguf> --prompt <text>`: streams the completion to stdout; with `--json` prints one
 * object `{text, tokens, finishReason, usage, timings}`.
 *
 * @example
 * onramp generate --model stories260K.gguf --prompt "Once upon a time" --max-tokens 32 --temperature 0 --json
 */
export function register(program: Command): void {
  program
    .command('generate')
    .description('generate a completion for a raw prompt (streams text; --json prints one result object)')
    .requiredOption('--model <gguf>', 'GGUF model file')
    .requiredOption('--prompt <text>', 'prompt text')
    .option('--max-tokens <n>', 'most tokens to generate', num('--max-tokens'), 256)
    .option('--temperature <t>', 'sampling temperature (0 = greedy)', num('--temperature'))
    .option('--top-k <n>', 'top-k', num('--top-k'))
    .option('--top-p <p>', 'top-p', num('--top-p'))
    .option('--seed <n>', 'sampling seed', num('--seed'))
    .option('--stop <text>', 'stop string (repeatable)', collect, [])
    .option('--ctx <n>', 'context size in tokens', num('--ctx'))
    .option('--threads <n>', 'decode threads', num('--threads'))
    .option('--json', 'print one JSON object instead of streaming text')
    .option('--lora <file[:scale]>', 'apply a LoRA adapter (repeatable; scale defaults to 1)', collect, [])
    .action(async (f: GenerateFlags) => {
      const loras = f.lora.map((spec, i) => ({ ...parseLoraSpec(spec), name: `lora${i}` }));
      const model = await Model.load(f.model);
      try {
        const engine = await Engine.create(model, { parallel: 1, ...(f.ctx ? { nCtx: f.ctx } : {}), ...(f.threads ? { threads: f.threads } : {}) });
        try {
          for (const l of loras) await engine.loras.load(l.name, l.path, l.scale === undefined ? {} : { scale: l.scale });
          const opts: GenerateOptions = {
            ...(loras.length ? { lora: loras.map((l) => ({ name: l.name })) } : {}),
            maxTokens: f.maxTokens,
            ...(f.temperature === undefined ? {} : { temperature: f.temperature }),
            ...(f.topK === undefined ? {} : { topK: f.topK }),
            ...(f.topP === undefined ? {} : { topP: f.topP }),
            ...(f.seed === undefined ? {} : { seed: f.seed }),
            ...(f.stop.length ? { stop: f.stop } : {}),
          };
          const run = engine.generate(f.prompt, opts);
          const onSig = (): void => run.abort();
          process.once('SIGINT', onSig);
          if (!f.json) for await (const ev of run) process.stdout.write(ev.text);
          const r = await run.result;
          process.removeListener('SIGINT', onSig);
          if (f.json) {
            process.stdout.write(`${JSON.stringify({ text: r.text, tokens: r.tokens, finishReason: r.finishReason, usage: r.usage, timings: r.timings, ...(r.error ? { error: r.error } : {}) })}\n`);
          } else {
            process.stdout.write('\n');
            if (r.finishReason === 'error') process.stderr.write(`onramp: ${r.error?.code}: ${r.error?.message}\n`);
          }
          if (r.finishReason === 'error') process.exitCode = 1;
        } finally {
          await engine.loras.dispose();
          await engine.dispose();
        }
      } finally {
        await model.dispose();
      }
    });
}
