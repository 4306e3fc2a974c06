import type { Command } from 'commander';
import { Engine } from '../../engine/Engine.js';
import { Model } from '../../engine/Model.js';
import { InvalidArgumentError } from '../../errors.js';
import type { Pooling } from '../../engine/types.js';

const collect = (v: string, prev: string[]): string[] => [...prev, v];
const POOLINGS = new Set(['mean', 'cls', 'last', 'none']);

interface EmbedFlags {
  model: string;
  text: string[];
  pooling?: string;
  normalize: boolean;
  truncate?: boolean;
  json?: boolean;
}

/**
 * `onramp embed --model <gguf> --text <t> [--text <t2>]`: prints each embedding (dimension, norm and the first
 * values); `--json` prints `{embeddings: [{text, tokens, embedding}]}` (pooling none: one vector per token).
 *
 * @example
 * onramp embed --model stories260K.gguf --text "hello" --text "world" --pooling mean --json
 */
export function register(program: Command): void {
  program
    .command('embed')
    .description('embed texts with the model (batched; pooling mean|cls|last|none)')
    .requiredOption('--model <gguf>', 'GGUF model file')
    .requiredOption('--text <text>', 'text to embed (repeatable)', collect, [])
    .option('--pooling <kind>', 'mean | cls | last | none (default: the model\'s, else mean)')
    .option('--no-normalize', 'do not L2-normalize')
    .option('--truncate', 'truncate inputs longer than the context instead of failing')
    .option('--json', 'print one JSON object')
    .action(async (f: EmbedFlags) => {
      if (f.pooling !== undefined && !POOLINGS.has(f.pooling)) throw new InvalidArgumentError('--pooling', 'must be mean, cls, last or none');
      const model = await Model.load(f.model);
      try {
        const engine = await Engine.create(model, { parallel: 1 });
        try {
          const res = await engine.embed(f.text, {
            normalize: f.normalize,
            ...(f.pooling ? { pooling: f.pooling as Pooling } : {}),
            ...(f.truncate ? { truncate: true } : {}),
          });
          const rows = res.map((r, i) => ({
            text: f.text[i]!,
            tokens: r.tokens,
            embedding: Array.isArray(r.embedding) ? r.embedding.map((v) => Array.from(v)) : Array.from(r.embedding),
          }));
          if (f.json) {
            process.stdout.write(`${JSON.stringify({ embeddings: rows })}\n`);
            return;
          }
          for (const r of rows) {
            const v = (Array.isArray(r.embedding[0]) ? (r.embedding as number[][]).flat() : (r.embedding as number[]));
            const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
            process.stdout.write(`${JSON.stringify(r.text)}: ${r.tokens} tokens, dim ${Array.isArray(r.embedding[0]) ? `${r.embedding.length}x${(r.embedding[0] as number[]).length}` : r.embedding.length}, norm ${norm.toFixed(4)}, [${v.slice(0, 6).map((x) => x.toFixed(4)).join(', ')}, ...]\n`);
          }
        } finally {
          await engine.dispose();
        }
      } finally {
        await model.dispose();
      }
    });
}
