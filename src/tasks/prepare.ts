/**
 * The input side every adapter shares: normalize (with an offset map), then truncate to the pack's token budget
 * or split into overlapping chunks; and the prompt fields built from the pack's labels.
 */
import type { ChatMessage, EngineLike } from '../engine/types.js';
import { normalize } from '../preprocess/normalize.js';
import type { MappedText } from '../preprocess/offsets.js';
import { chunk, truncate } from '../preprocess/truncate.js';
import { buildPrompt, promptText } from '../preprocess/template.js';
import { InvalidArgumentError } from '../errors.js';
import type { TaskPack } from './pack.js';
import type { Explanation, TaskInput } from './types.js';

export interface PreparedInput {
  original: string;
  /** The processed pieces the model sees (one unless chunked); each maps back to `original`. */
  pieces: MappedText[];
  inputTokens: number;
  truncated: boolean;
  fields: Record<string, string>;
  preprocessMs: number;
}

const premapped = new WeakMap<object, MappedText>();

/**
 * An input whose `text` is already normalized (and rewritten by the safety stage), with its map back to the
 * caller's original text: `prepareInput` uses the map instead of normalizing again, so offsets (NER entities,
 * important words) still point into the caller's text.
 *
 * @example
 * const input = premappedInput(normalize('Ｈｉ Bob', pack.input.normalize), {})
 * prepareInput(pack, input, engine).original // 'Ｈｉ Bob'
 */
export function premappedInput(map: MappedText, rest: { fields?: Record<string, string>; messages?: ChatMessage[] }): TaskInput {
  const input = { text: map.text, ...rest };
  premapped.set(input, map);
  return input;
}

/**
 * Normalizes and truncates (or chunks) an input per the pack.
 *
 * @example
 * const prep = prepareInput(pack, 'Ｇｒｅａｔ film!', engine)
 * prep.pieces[0].text // 'Great film!'
 */
export function prepareInput(pack: TaskPack, input: TaskInput, engine: Pick<EngineLike, 'tokenize'>): PreparedInput {
  const t0 = performance.now();
  const pre = typeof input === 'object' && input !== null ? premapped.get(input) : undefined;
  const text = typeof input === 'string' ? input : input.text;
  if (typeof text !== 'string') throw new InvalidArgumentError('input.text', 'must be a string');
  const fields = typeof input === 'string' ? {} : { ...(input.fields ?? {}) };
  const tokenize = (s: string) => engine.tokenize(s, { addSpecial: false });
  const norm = pre && pre.text === text ? pre : normalize(text, pack.input.normalize);
  const original = norm.original;
  const inputTokens = tokenize(norm.text).length;
  let pieces: MappedText[];
  let truncated = false;
  const c = pack.input.chunking;
  if (c?.enabled && inputTokens > (c.maxTokens ?? pack.input.maxTokens)) {
    pieces = chunk(norm, { maxTokens: c.maxTokens ?? pack.input.maxTokens, overlapTokens: c.overlapTokens, tokenize }).map((ch) => ch.text);
  } else {
    const r = truncate(norm, { maxTokens: pack.input.maxTokens, strategy: pack.input.truncation, tokenize });
    pieces = [r.text];
    truncated = r.truncated;
  }
  return { original, pieces, inputTokens, truncated, fields, preprocessMs: performance.now() - t0 };
}

/** Template fields from the pack's labels: `labels` (comma list) and `label_descriptions` (one per line). */
export function labelFields(pack: TaskPack): Record<string, string> {
  return {
    labels: pack.labels.map((l) => l.name).join(', '),
    label_descriptions: pack.labels.map((l) => `- ${l.name}${l.description ? `: ${l.description}` : ''}`).join('\n'),
  };
}

/**
 * The prompt text for one piece of input (the chat template is applied when the pack asks for it).
 *
 * @example
 * const prefix = renderPrompt(pack, 'Great film!', {}, engine)
 */
export function renderPrompt(pack: TaskPack, text: string, extra: Record<string, string>, engine: Pick<EngineLike, 'applyChatTemplate'>): string {
  const fields = { ...labelFields(pack), ...extra, text };
  return promptText(buildPrompt(pack.prompt, fields), engine);
}

/** A fresh explanation skeleton for a pack. */
export function baseExplanation(pack: TaskPack, prep: PreparedInput): Explanation {
  return {
    pack: { id: pack.id, version: pack.version, kind: pack.kind },
    tokens: { input: prep.inputTokens, prompt: 0, output: 0, truncated: prep.truncated, chunks: prep.pieces.length },
    timings: { preprocessMs: prep.preprocessMs, engineMs: 0, totalMs: 0 },
    normalization: [...pack.input.normalize],
  };
}
