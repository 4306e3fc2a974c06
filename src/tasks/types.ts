/**
 * Shapes shared by the task adapters: inputs, results (Hugging Face / vLLM style) and the explanation that
 * every result carries.
 */
import type { ChatMessage, EngineLike } from '../engine/types.js';
import type { SafetyPolicy } from '../safety/policy.js';
import type { SafetyTraceEntry } from '../safety/types.js';
import type { HeadPrediction } from './heads/HeadRunner.js';
import type { TaskKind, TaskPack } from './pack.js';

/** The input of a task: plain text, or text plus extra template fields (or chat messages for generate). */
export type TaskInput = string | { text: string; fields?: Record<string, string>; messages?: ChatMessage[] };

/** A label and its probability. */
export interface LabelScore {
  label: string;
  score: number;
}

/**
 * One entry of a task's safety decision trace: a rule that fired, its spans, action and score, and the stage.
 * Input spans are offsets into the caller's text (or into `fields.<k>` / `messages.<i>.content` when `field` says
 * so); output spans are offsets into the answer before output actions and restore (generate/summarize), into
 * the string value at `field` (extract, e.g. `data.name`), or into the caller's text (ner: the entity words).
 */
export interface TaskSafetyTraceEntry extends SafetyTraceEntry {
  stage: 'input' | 'output';
  field?: string;
}

/** What every result carries: which pack, label probabilities, token counts and timings. */
export interface Explanation {
  pack: { id: string; version: string; kind: TaskKind };
  /** Every label's probability (classify, multilabel: P(yes) per label). */
  labelProbabilities?: Record<string, number>;
  tokens: {
    /** Tokens of the normalized input before truncation. */
    input: number;
    /** Prompt tokens the engine evaluated (summed over chunks and label prompts). */
    prompt: number;
    /** Generated tokens. */
    output: number;
    truncated: boolean;
    chunks: number;
  };
  /** `safetyMs`: both safety stages (included in totalMs); absent when safety is off. */
  timings: { preprocessMs: number; engineMs: number; totalMs: number; safetyMs?: number };
  /** The normalization steps applied to the input. */
  normalization: string[];
  /** How labels were scored: prompt scoring or a trained head. */
  scorer?: 'prompt' | 'head';
  temperature?: number;
  /** The model's raw output (extract, ner). */
  raw?: string;
  /** NER: entities the model produced that were not found in the text (dropped). */
  droppedEntities?: { text: string; label: string; reason: string }[];
  /**
   * Head scoring with `explain`: the words that mattered most, by leave-one-word-out occlusion (docs/heads.md),
   * importance = drop of the predicted label's probability without the word; offsets into the original input.
   */
  importantWords?: { text: string; start: number; end: number; importance: number }[];
  /** The safety decision trace, input entries then output entries, in rule order ([] when nothing fired); absent with `safety: false`. */
  safety?: TaskSafetyTraceEntry[];
  /** The policy that ran and where it came from: the pack's `safety`, the caller's `policy`, or the built-in default. */
  safetyPolicy?: { name: string; source: 'pack' | 'caller' | 'builtin' };
  /** The input text as the model saw it (normalized, with the policy's rewrites); only when a rule rewrote it. */
  maskedInput?: string;
}

export interface ClassifyResult {
  kind: 'classify';
  /** The top label, or `unknown` when its probability is below the pack's abstain threshold. */
  label: string;
  score: number;
  /** Top probability minus the runner-up's. */
  margin: number;
  abstained: boolean;
  /** Every label with its probability, best first. */
  labels: LabelScore[];
  explanation: Explanation;
}

export interface MultilabelResult {
  kind: 'multilabel';
  /** Labels whose P(yes) reached their threshold, best first. */
  labels: string[];
  /** Every label's P(yes) with its threshold, best first. */
  scores: (LabelScore & { threshold: number })[];
  explanation: Explanation;
}

export interface ExtractResult {
  kind: 'extract';
  /** The parsed JSON, valid against the pack's output schema. */
  data: unknown;
  explanation: Explanation;
}

/** A named entity, Hugging Face token-classification style, with offsets into the caller's original text. */
export interface NerEntity {
  entity_group: string;
  score: number;
  /** Exactly `original.slice(start, end)`. */
  word: string;
  start: number;
  end: number;
}

export interface NerResult {
  kind: 'ner';
  entities: NerEntity[];
  explanation: Explanation;
}

export interface GenerateTaskResult {
  kind: 'generate' | 'summarize';
  text: string;
  finishReason: string;
  explanation: Explanation;
}

export type TaskResult = ClassifyResult | MultilabelResult | ExtractResult | NerResult | GenerateTaskResult;

/**
 * The hook a trained head offers the task layer. `HeadRunner` in src/tasks/heads implements it; any object
 * with this shape can replace prompt scoring (tests, remote heads).
 */
export interface HeadRunnerLike {
  predict(texts: string[], opts?: { signal?: AbortSignal; explain?: boolean | number }): Promise<HeadPrediction[]>;
  /** The head's kind and output labels when known (HeadRunner has them): lets a pack refuse a head that does not fit before predicting. */
  readonly head?: { readonly kind: string; readonly labels: readonly string[] };
}

export interface RunTaskOptions {
  engine: EngineLike;
  signal?: AbortSignal;
  /** Use this head instead of the pack's `head` file (or instead of prompt scoring). */
  head?: HeadRunnerLike;
  /** With a head: explain the prediction by word occlusion (true = top 5 words, or this many). */
  explain?: boolean | number;
  /** Override the pack's softmax temperature (e.g. one fitted with fitTemperature). */
  temperature?: number;
  /** Opens the pack's head file; default HeadRunner.create from src/tasks/heads. */
  loadHead?: (engine: EngineLike, file: string) => Promise<HeadRunnerLike>;
  /**
   * Input and output safety in runTask (default true): the pack's `safety` policy, else `policy`, else the
   * built-in default. false: no checks and no `explanation.safety`. The adapters called directly never apply it.
   */
  safety?: boolean;
  /** The caller's safety policy, used when the pack names none (the server passes its --policy). */
  policy?: SafetyPolicy;
  /** Applies the policy's `routes[route]` overrides on top of `tasks[pack.id]` (the server passes its route). */
  route?: string;
}

/** One adapter per kind: one file each under adapters/. */
export type Adapter = (pack: TaskPack, input: TaskInput, opts: RunTaskOptions) => Promise<TaskResult>;
