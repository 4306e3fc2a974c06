/**
 * Running a generation and collecting its text with per-character token log-probabilities (for entity scores).
 */
import type { EngineLike, GenerateOptions, GenerateResult } from '../engine/types.js';
import { buildPrompt, promptText } from '../preprocess/template.js';
import { labelFields } from './prepare.js';
import type { TaskPack } from './pack.js';

export interface CollectedGeneration {
  text: string;
  result: GenerateResult;
  /** logprob of the token that produced each character of `text` (NaN when unknown). */
  charLogprobs: Float64Array;
  ms: number;
}

/**
 * Generates from the pack's prompt (raw, or chat messages when chatTemplate is on) and collects the output.
 *
 * @example
 * const g = await generateFromPack(engine, pack, 'John lives in Paris', {}, { jsonSchema })
 */
export async function generateFromPack(
  engine: EngineLike,
  pack: TaskPack,
  text: string,
  extra: Record<string, string>,
  options: GenerateOptions,
): Promise<CollectedGeneration> {
  const built = buildPrompt(pack.prompt, { ...labelFields(pack), ...extra, text });
  const t0 = performance.now();
  const gen = built.kind === 'chat' ? engine.chat(built.messages, options) : engine.generate(promptText(built, engine), options);
  const pieces: string[] = [];
  const lps: number[] = [];
  for await (const ev of gen) {
    pieces.push(ev.text);
    const lp = ev.logprobs && ev.logprobs.length ? ev.logprobs.reduce((a, l) => a + l.logprob, 0) / ev.logprobs.length : NaN;
    for (let i = 0; i < ev.text.length; i++) lps.push(lp);
  }
  const result = await gen.result;
  const streamed = pieces.join('');
  const text2 = result.text ?? streamed;
  const charLogprobs = text2 === streamed ? Float64Array.from(lps) : new Float64Array(text2.length).fill(NaN);
  return { text: text2, result, charLogprobs, ms: performance.now() - t0 };
}

/**
 * Probability-like confidence of a span of the output: exp(mean token logprob) over its characters; 1 if unknown.
 *
 * @example
 * spanConfidence(g.charLogprobs, 10, 15) // 0.93
 */
export function spanConfidence(lps: Float64Array, start: number, end: number): number {
  let s = 0;
  let n = 0;
  for (let i = Math.max(0, start); i < Math.min(end, lps.length); i++) {
    const v = lps[i]!;
    if (!Number.isNaN(v)) {
      s += v;
      n++;
    }
  }
  return n ? Math.exp(s / n) : 1;
}
