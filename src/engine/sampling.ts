import { GrammarError, InvalidArgumentError } from '../errors.js';
import type { AddonGeneratePayload } from '../native/AddonTypes.js';
import type { GenerateOptions } from './types.js';

type Sampling = Omit<AddonGeneratePayload, 'prompt' | 'grammar' | 'lora'>;

function num(o: Record<string, unknown>, key: string, def: number, ok: (v: number) => boolean, what: string): number {
  const v = o[key];
  if (v === undefined) return def;
  if (typeof v !== 'number' || Number.isNaN(v) || !ok(v)) throw new InvalidArgumentError(key, `must be ${what}; got ${String(v)}`);
  return v;
}
const isInt = (v: number): boolean => Number.isInteger(v);

/**
 * Validates the sampling part of GenerateOptions and returns what AddonEngine reads (llama.cpp defaults:
 * temperature 0.8, topK 40, topP 0.95, minP 0.05; temperature 0 is greedy).
 *
 * @example
 * toNativeSampling({ temperature: 0, maxTokens: 16 }, 32000).temperature // 0
 */
export function toNativeSampling(options: GenerateOptions, vocabSize: number): Sampling {
  const o = options as Record<string, unknown>;
  const logitBias: number[] = [];
  if (options.logitBias !== undefined) {
    if (typeof options.logitBias !== 'object' || options.logitBias === null) throw new InvalidArgumentError('logitBias', 'must be an object {tokenId: bias}');
    for (const [k, v] of Object.entries(options.logitBias)) {
      const t = Number(k);
      if (!Number.isInteger(t) || t < 0 || t >= vocabSize) throw new InvalidArgumentError('logitBias', `token id ${k} is not in 0..${vocabSize - 1}`);
      if (typeof v !== 'number' || Number.isNaN(v) || v === Infinity) throw new InvalidArgumentError('logitBias', `bias of token ${k} must be a finite number or -Infinity`);
      logitBias.push(t, v);
    }
  }
  const seed = o.seed === undefined ? undefined : num(o, 'seed', 0, (v) => isInt(v) && v >= 0 && v <= 0xfffffffe, 'an integer in 0..4294967294');
  return {
    maxTokens: num(o, 'maxTokens', 256, (v) => isInt(v) && v >= 1 && v <= 1 << 20, 'an integer >= 1'),
    nProbs: options.logprobs === undefined ? -1 : num(o, 'logprobs', 0, (v) => isInt(v) && v >= 0 && v <= 20, 'an integer in 0..20'),
    ignoreEos: o.ignoreEos === undefined ? false : boolOpt(o, 'ignoreEos'),
    temperature: num(o, 'temperature', 0.8, (v) => v >= 0 && Number.isFinite(v), 'a finite number >= 0'),
    topK: num(o, 'topK', 40, (v) => isInt(v) && v >= 0, 'an integer >= 0 (0 disables)'),
    topP: num(o, 'topP', 0.95, (v) => v > 0 && v <= 1, 'in (0, 1]'),
    minP: num(o, 'minP', 0.05, (v) => v >= 0 && v <= 1, 'in [0, 1]'),
    typicalP: num(o, 'typicalP', 1, (v) => v > 0 && v <= 1, 'in (0, 1]'),
    repeatPenalty: num(o, 'repeatPenalty', 1, (v) => v > 0 && Number.isFinite(v), 'a finite number > 0 (1 disables)'),
    frequencyPenalty: num(o, 'frequencyPenalty', 0, Number.isFinite, 'a finite number'),
    presencePenalty: num(o, 'presencePenalty', 0, Number.isFinite, 'a finite number'),
    penaltyLastN: num(o, 'penaltyLastN', 64, (v) => isInt(v) && v >= 0, 'an integer >= 0'),
    logitBias,
    ...(seed === undefined ? {} : { seed }),
  };
}

function boolOpt(o: Record<string, unknown>, key: string): boolean {
  if (typeof o[key] !== 'boolean') throw new InvalidArgumentError(key, 'must be a boolean');
  return o[key] as boolean;
}

/** Validates `stop`: an array of non-empty strings (at most 16). */
export function validateStop(stop: unknown): string[] {
  if (stop === undefined) return [];
  if (!Array.isArray(stop) || stop.length > 16 || !stop.every((s) => typeof s === 'string' && s.length > 0)) {
    throw new InvalidArgumentError('stop', 'must be an array of at most 16 non-empty strings');
  }
  return stop as string[];
}

// Keywords llama.cpp's json_schema_to_grammar enforces, or that carry no constraint.
const SUPPORTED = new Set([
  'type', 'properties', 'required', 'additionalProperties', 'items', 'prefixItems', 'minItems', 'maxItems', 'enum',
  'const', 'anyOf', 'oneOf', 'allOf', '$ref', '$defs', 'definitions', 'pattern', 'format', 'minLength', 'maxLength',
  'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'title', 'description', '$schema', '$id', '$comment',
  'default', 'examples', 'nullable', 'readOnly', 'writeOnly', 'deprecated',
]);
const FORMATS = new Set(['date', 'time', 'date-time', 'uuid']);

/**
 * Rejects JSON-schema features that the grammar cannot enforce (never silently ignored): e.g. `multipleOf`,
 * `not`, `if/then/else`, `patternProperties`, `uniqueItems`, unknown `format`s, unanchored or non-regular patterns.
 *
 * @example
 * checkJsonSchema({ type: 'object', properties: { a: { type: 'integer' } } }) // ok
 * checkJsonSchema({ type: 'number', multipleOf: 2 }) // throws GrammarError
 */
export function checkJsonSchema(schema: unknown, where = '$'): void {
  if (typeof schema === 'boolean') return;
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) throw new GrammarError(`${where}: a schema must be an object or boolean`, 'jsonSchema');
  const s = schema as Record<string, unknown>;
  for (const [k, v] of Object.entries(s)) {
    if (!SUPPORTED.has(k)) throw new GrammarError(`${where}: JSON schema keyword "${k}" cannot be enforced by the grammar`, 'jsonSchema');
    if (k === 'format' && !FORMATS.has(String(v))) throw new GrammarError(`${where}: format "${String(v)}" cannot be enforced (supported: ${[...FORMATS].join(', ')})`, 'jsonSchema');
    if (k === 'pattern') {
      const p = String(v);
      if (!p.startsWith('^') || !p.endsWith('$') || /\(\?|\\[bBdDwWsS0-9]|\\[pPk]/.test(p)) {
        throw new GrammarError(`${where}: pattern ${p} cannot be enforced (anchor it with ^...$; no lookarounds, backreferences or \\d/\\w/\\s classes)`, 'jsonSchema');
      }
    }
  }
  const t = s.type;
  if ((t === 'number' || (Array.isArray(t) && t.includes('number'))) && ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'].some((k) => k in s)) {
    throw new GrammarError(`${where}: numeric bounds are only enforced for "integer", not "number"`, 'jsonSchema');
  }
  if (s.properties !== undefined) {
    if (typeof s.properties !== 'object' || s.properties === null) throw new GrammarError(`${where}.properties: must be an object`, 'jsonSchema');
    for (const [k, v] of Object.entries(s.properties)) checkJsonSchema(v, `${where}.properties.${k}`);
  }
  if (typeof s.additionalProperties === 'object' && s.additionalProperties !== null) checkJsonSchema(s.additionalProperties, `${where}.additionalProperties`);
  if (s.items !== undefined) checkJsonSchema(s.items, `${where}.items`);
  for (const k of ['prefixItems', 'anyOf', 'oneOf', 'allOf'] as const) {
    const arr = s[k];
    if (arr === undefined) continue;
    if (!Array.isArray(arr)) throw new GrammarError(`${where}.${k}: must be an array`, 'jsonSchema');
    arr.forEach((v, i) => checkJsonSchema(v, `${where}.${k}[${i}]`));
  }
  for (const k of ['$defs', 'definitions'] as const) {
    const d = s[k];
    if (typeof d === 'object' && d !== null) for (const [n, v] of Object.entries(d)) checkJsonSchema(v, `${where}.${k}.${n}`);
  }
  if (typeof s.$ref === 'string' && !s.$ref.startsWith('#/')) throw new GrammarError(`${where}: only local $ref (#/...) is supported`, 'jsonSchema');
}

/**
 * Finds stop strings in streamed text, across token boundaries. `push` returns the text that is safe to emit
 * now: text that could still become a stop string is held back, and a matched stop string is never emitted.
 *
 * @example
 * const m = new StopMatcher(['\n\n'])
 * m.push('Hello\n') // { text: 'Hello', stop: undefined }
 * m.push('\nmore')  // { text: '', stop: '\n\n' }
 */
export class StopMatcher {
  readonly #stops: string[];
  #held = '';

  constructor(stops: string[]) {
    this.#stops = stops;
  }

  push(text: string): { text: string; stop: string | undefined } {
    const buf = this.#held + text;
    if (this.#stops.length === 0) {
      this.#held = '';
      return { text: buf, stop: undefined };
    }
    let first = -1;
    let which: string | undefined;
    for (const s of this.#stops) {
      const i = buf.indexOf(s);
      if (i >= 0 && (first < 0 || i < first)) {
        first = i;
        which = s;
      }
    }
    if (which !== undefined) {
      this.#held = '';
      return { text: buf.slice(0, first), stop: which };
    }
    // Hold back the longest suffix that is a prefix of some stop string.
    let hold = 0;
    for (const s of this.#stops) {
      for (let n = Math.min(s.length - 1, buf.length); n > hold; n--) {
        if (buf.endsWith(s.slice(0, n))) {
          hold = n;
          break;
        }
      }
    }
    this.#held = buf.slice(buf.length - hold);
    return { text: buf.slice(0, buf.length - hold), stop: undefined };
  }

  /** Text still held back (emitted when the generation ends without a stop). */
  flush(): string {
    const t = this.#held;
    this.#held = '';
    return t;
  }
}
