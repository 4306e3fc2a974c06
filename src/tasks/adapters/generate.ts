/**
 * generate / chat: free text from the pack's prompt (or from caller chat messages when the input has
 * `messages`), with the pack's maxTokens, stop strings and temperature.
 */
import { baseExplanation, prepareInput } from '../prepare.js';
import { generateFromPack } from '../generation.js';
import type { TaskPack } from '../pack.js';
import type { GenerateTaskResult, RunTaskOptions, TaskInput } from '../types.js';
import type { GenerateOptions } from '../../engine/types.js';

/**
 * Runs a generate pack on one input.
 *
 * @example
 * const r = await generate(pack, 'Write a haiku about rain', { engine })
 * r.text
 */
export async function generate(pack: TaskPack, input: TaskInput, opts: RunTaskOptions): Promise<GenerateTaskResult> {
  const t0 = performance.now();
  const prep = prepareInput(pack, input, opts.engine);
  const explanation = baseExplanation(pack, prep);
  const options: GenerateOptions = {
    maxTokens: pack.output.maxTokens,
    temperature: pack.output.temperature,
    ...(pack.output.stop ? { stop: [...pack.output.stop] } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(pack.lora.length ? { lora: [...pack.lora] } : {}),
  };
  let text: string;
  let finishReason: string;
  const messages = typeof input === 'string' ? undefined : input.messages;
  if (messages?.length) {
    const t1 = performance.now();
    const sys = pack.prompt.system ? [{ role: 'system' as const, content: pack.prompt.system }] : [];
    const gen = opts.engine.chat([...sys, ...messages], options);
    const r = await gen.result;
    explanation.timings.engineMs = performance.now() - t1;
    explanation.tokens.prompt = r.usage.promptTokens;
    explanation.tokens.output = r.usage.completionTokens;
    text = r.text;
    finishReason = r.finishReason;
  } else {
    const g = await generateFromPack(opts.engine, pack, prep.pieces.map((p) => p.text).join(' '), prep.fields, options);
    explanation.timings.engineMs = g.ms;
    explanation.tokens.prompt = g.result.usage.promptTokens;
    explanation.tokens.output = g.result.usage.completionTokens;
    text = g.text;
    finishReason = g.result.finishReason;
  }
  explanation.timings.totalMs = performance.now() - t0;
  return { kind: 'generate', text: text.trim(), finishReason, explanation };
}
