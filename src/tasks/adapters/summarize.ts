/**
 * summarize: generation with length control. The target length in words (input field `maxWords`, else the
 * pack's output.maxWords, else 60) is offered to the prompt as {{maxWords}}, bounds the token budget, and the
 * summary is cut after that many words (at the last sentence end inside the limit when there is one).
 */
import { baseExplanation, prepareInput } from '../prepare.js';
import { generateFromPack } from '../generation.js';
import { InvalidArgumentError } from '../../errors.js';
import type { TaskPack } from '../pack.js';
import type { GenerateTaskResult, RunTaskOptions, TaskInput } from '../types.js';

/**
 * Cuts a text to at most `maxWords` words, preferring the last sentence end within the limit.
 *
 * @example
 * limitWords('One. Two three. Four five six.', 4) // 'One. Two three.'
 */
export function limitWords(text: string, maxWords: number): string {
  const words = [...text.matchAll(/\S+/g)];
  if (words.length <= maxWords) return text.trim();
  const last = words[maxWords - 1]!;
  const cut = text.slice(0, last.index + last[0].length);
  const sentenceEnd = Math.max(cut.lastIndexOf('. '), cut.lastIndexOf('! '), cut.lastIndexOf('? '), /[.!?。！？]$/.test(cut) ? cut.length - 1 : -1);
  return (sentenceEnd > cut.length / 3 ? cut.slice(0, sentenceEnd + 1) : cut).trim();
}

/**
 * Runs a summarize pack on one input.
 *
 * @example
 * const r = await summarize(pack, { text: longArticle, fields: { maxWords: '40' } }, { engine })
 */
export async function summarize(pack: TaskPack, input: TaskInput, opts: RunTaskOptions): Promise<GenerateTaskResult> {
  const t0 = performance.now();
  const prep = prepareInput(pack, input, opts.engine);
  const explanation = baseExplanation(pack, prep);
  const maxWords = Number(prep.fields['maxWords'] ?? pack.output.maxWords ?? 60);
  if (!Number.isInteger(maxWords) || maxWords < 1) throw new InvalidArgumentError('fields.maxWords', 'must be a positive integer');
  // English runs ~1.3 tokens per word; leave room for the sentence to end.
  const maxTokens = Math.min(pack.output.maxTokens, Math.ceil(maxWords * 1.6) + 16);
  const g = await generateFromPack(opts.engine, pack, prep.pieces.map((p) => p.text).join(' '), { ...prep.fields, maxWords: String(maxWords) }, {
    maxTokens,
    temperature: pack.output.temperature,
    ...(pack.output.stop ? { stop: [...pack.output.stop] } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(pack.lora.length ? { lora: [...pack.lora] } : {}),
  });
  explanation.timings.engineMs = g.ms;
  explanation.tokens.prompt = g.result.usage.promptTokens;
  explanation.tokens.output = g.result.usage.completionTokens;
  explanation.timings.totalMs = performance.now() - t0;
  return { kind: 'summarize', text: limitWords(g.text, maxWords), finishReason: g.result.finishReason, explanation };
}
