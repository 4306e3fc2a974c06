/**
 * Shapes shared by the task adapters: inputs, results (Hugging Face / vLLM style) and the explanation that
 * every result carries.
 */
import type { ChatMessage, EngineLike } from '../engine/types.js';
import type { HeadPrediction } from './heads/HeadRunner.js';
import type { TaskKind, TaskPack } from './pack.js';

/** The input of a task: plain text, or text plus extra template fields (or chat messages for generate). */
export type TaskInput = string | { text: string; fields?: Record<string, string>; messages?: ChatMessage[] };

/** A label and its probability. */
export interface LabelScore {
  label: string;
  score: number;
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
  timings: { preprocessMs: number; engineMs: number; totalMs: number };
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
}

/** One adapter per kind: one file each under adapters/. */
export type Adapter = (pack: TaskPack, input: TaskInput, opts: RunTaskOptions) => Promise<TaskResult>;
