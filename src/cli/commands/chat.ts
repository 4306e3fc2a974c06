import { createInterface } from 'node:readline/promises';
import { InvalidArgumentError as UsageError, type Command } from 'commander';
import { Engine } from '../../engine/Engine.js';
import { Model } from '../../engine/Model.js';
import type { ChatMessage, EngineLike } from '../../engine/types.js';
import { defaultModelPath } from '../../server/runtime.js';

const num = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`${name} must be a number`);
  return n;
};

/**
 * Runs the REPL over any engine: each line is a user turn, the reply streams as it is generated.
 * `/reset` clears the history, `/exit` (or EOF) quits, Ctrl-C stops the current reply.
 *
 * @example
 * await chatRepl(engine, { input: process.stdin, output: process.stdout, maxTokens: 256 })
 */
export async function chatRepl(
  engine: EngineLike,
  io: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream; system?: string; maxTokens?: number; temperature?: number },
): Promise<void> {
  const rl = createInterface({ input: io.input, output: io.output, terminal: (io.output as { isTTY?: boolean }).isTTY === true });
  const history: ChatMessage[] = io.system ? [{ role: 'system', content: io.system }] : [];
  let current: { abort(): void } | undefined;
  rl.on('SIGINT', () => {
    if (current) current.abort();
    else rl.close();
  });
  try {
    for (;;) {
      let line: string;
      try {
        line = await rl.question('> ');
      } catch {
        break; // closed (EOF or Ctrl-C at the prompt)
      }
      const text = line.trim();
      if (text === '/exit' || text === '/quit') break;
      if (text === '/reset') {
        history.splice(io.system ? 1 : 0);
        io.output.write('(history cleared)\n');
        continue;
      }
      if (!text) continue;
      history.push({ role: 'user', content: text });
      const gen = engine.chat(history, { maxTokens: io.maxTokens ?? 512, ...(io.temperature === undefined ? {} : { temperature: io.temperature }) });
      current = gen;
      gen.result.catch(() => {});
      let reply = '';
      try {
        for await (const ev of gen) {
          reply += ev.text;
          io.output.write(ev.text);
        }
        const r = await gen.result;
        if (r.finishReason === 'error') io.output.write(`\n[error: ${r.error?.message ?? 'generation failed'}]`);
        if (r.finishReason === 'abort') io.output.write(' [stopped]');
      } catch (e) {
        io.output.write(`\n[error: ${(e as Error).message}]`);
      } finally {
        current = undefined;
      }
      io.output.write('\n');
      history.push({ role: 'assistant', content: reply });
    }
  } finally {
    rl.close();
  }
}

/**
 * `onramp chat [--model <gguf>]`: an interactive, streaming chat in the terminal.
 *
 * @example
 * onramp chat --model models/qwen2.5-0.5b-instruct-q4_k_m.gguf --system "Answer briefly."
 */
export function register(program: Command): void {
  program
    .command('chat')
    .description('interactive streaming chat with a model (/reset clears the history, /exit quits, Ctrl-C stops a reply)')
    .option('--model <gguf>', 'GGUF model (default: the embedded synthetic demo model)')
    .option('--system <text>', 'system prompt')
    .option('--max-tokens <n>', 'max tokens per reply', num('--max-tokens'), 512)
    .option('--temperature <t>', 'sampling temperature (0 = greedy)', num('--temperature'))
    .option('--ctx <n>', 'context size in tokens', num('--ctx'), 4096)
    .option('--threads <n>', 'decode threads', num('--threads'))
    .action(async (flags: { model?: string; system?: string; maxTokens: number; temperature?: number; ctx: number; threads?: number }) => {
      if (!flags.model) process.stderr.write('no --model: chatting with the embedded SYNTHETIC demo model (random weights, gibberish). Use --model path/to/model.gguf, or `onramp pull` one.\n');
      const model = await Model.load(flags.model ?? (await defaultModelPath()));
      const engine = await Engine.create(model, { parallel: 1, nCtx: flags.ctx, ...(flags.threads ? { threads: flags.threads } : {}) });
      try {
        await chatRepl(engine, {
          input: process.stdin,
          output: process.stdout,
          maxTokens: flags.maxTokens,
          ...(flags.system ? { system: flags.system } : {}),
          ...(flags.temperature === undefined ? {} : { temperature: flags.temperature }),
        });
      } finally {
        await engine.dispose();
        await model.dispose();
      }
    });
}
