/**
 * Task packs: a versioned declarative file (YAML or JSON) that turns a general model into one business
 * function. `TaskPackSchema` validates the file; `resolvePack` fills defaults, reads label files and resolves
 * paths relative to the pack, giving the frozen {@link TaskPack} every adapter works from.
 */
import { z } from 'zod';
import { NORMALIZE_STEPS, type NormalizeStep } from '../preprocess/normalize.js';

export const TASK_KINDS = ['classify', 'multilabel', 'extract', 'ner', 'generate', 'summarize'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

const LabelSpecSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    /** The text(s) this label is scored as; several verbalizers are pooled (log-sum-exp). Default: " <name>". */
    verbalizers: z.array(z.string().min(1)).min(1).optional(),
    /** Multilabel decision threshold for this label. */
    threshold: z.number().min(0).max(1).optional(),
  })
  .strict();

const LabelsFileSchema = z
  .object({
    /** JSON array (strings or label objects) or a text file with one label per line, relative to the pack. */
    file: z.string().min(1),
    /** Verbalizer template for labels from the file; `{{name}}` and `{{words}}` (underscores → spaces). */
    verbalizer: z.string().default(' {{words}}'),
  })
  .strict();

const ExampleSchema = z.object({ fields: z.record(z.string(), z.string()), output: z.string() }).strict();

export const TaskPackSchema = z
  .object({
    $schema: z.string().optional(),
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, ".", "_" or "-"'),
    version: z.string().regex(/^\d+\.\d+\.\d+(?:[-+][\w.-]+)?$/, 'a semantic version such as 1.0.0'),
    kind: z.enum(TASK_KINDS),
    description: z.string().default(''),
    languages: z.array(z.string().min(2)).min(1).default(['en']),
    input: z
      .object({
        normalize: z.array(z.enum(NORMALIZE_STEPS as [NormalizeStep, ...NormalizeStep[]])).default(['invisible', 'nfkc', 'whitespace']),
        maxTokens: z.number().int().positive().default(512),
        truncation: z.enum(['head', 'tail', 'middle']).default('head'),
        chunking: z
          .object({
            enabled: z.boolean().default(true),
            /** Tokens per chunk (default input.maxTokens). */
            maxTokens: z.number().int().positive().optional(),
            overlapTokens: z.number().int().nonnegative().default(32),
            aggregate: z.enum(['max', 'mean', 'vote']).default('mean'),
          })
          .strict()
          .optional(),
      })
      .strict()
      .default({ normalize: ['invisible', 'nfkc', 'whitespace'], maxTokens: 512, truncation: 'head' }),
    prompt: z
      .object({
        system: z.string().optional(),
        template: z.string().min(1),
        examples: z.array(ExampleSchema).default([]),
        chatTemplate: z.boolean().default(false),
      })
      .strict(),
    labels: z.union([z.array(z.union([z.string().min(1), LabelSpecSchema])).min(1), LabelsFileSchema]).optional(),
    scoring: z
      .object({
        /** total: sum of the verbalizer's token logprobs; length: mean per token. */
        normalization: z.enum(['total', 'length']).default('total'),
        /** Softmax temperature (fit one with fitTemperature on a dev set). */
        temperature: z.number().positive().default(1),
        /** Multilabel: the answers scored for each label. */
        yes: z.string().default(' yes'),
        no: z.string().default(' no'),
      })
      .strict()
      .default({ normalization: 'total', temperature: 1, yes: ' yes', no: ' no' }),
    output: z
      .object({
        /**
         * JSON schema of the result (extract). ner: optional schema of `{"entities": [{"text", "label", …}]}` that
         * replaces the default one (label enum defaults to the labels); items that break it are dropped.
         */
        schema: z.record(z.string(), z.unknown()).optional(),
        maxTokens: z.number().int().positive().default(256),
        /** summarize: target length in words (the prompt's {{maxWords}}; the output is cut at this many words). */
        maxWords: z.number().int().positive().optional(),
        stop: z.array(z.string().min(1)).optional(),
        temperature: z.number().min(0).default(0),
      })
      .strict()
      .default({ maxTokens: 256, temperature: 0 }),
    lora: z.array(z.object({ name: z.string().min(1), scale: z.number().optional() }).strict()).default([]),
    /** A trained head file (src/tasks/heads), relative to the pack; replaces prompt scoring when present. */
    head: z.string().min(1).optional(),
    /**
     * Safety policy around this task (runTask: library, CLI and server): a policy file relative to the pack, or a
     * built-in name from models/policies (`default`, `strict`). Absent: the caller's policy, else the default.
     */
    safety: z.string().min(1).optional(),
    thresholds: z
      .object({
        /** Classify: below this top probability the label is `unknown`. */
        abstain: z.number().min(0).max(1).optional(),
        /** Multilabel default per-label threshold. */
        multilabel: z.number().min(0).max(1).default(0.5),
        /** NER: entities scoring below this are dropped. */
        entity: z.number().min(0).max(1).default(0),
      })
      .strict()
      .default({ multilabel: 0.5, entity: 0 }),
  })
  .strict()
  .superRefine((p, ctx) => {
    if ((p.kind === 'classify' || p.kind === 'multilabel' || p.kind === 'ner') && !p.labels) {
      ctx.addIssue({ code: 'custom', path: ['labels'], message: `a ${p.kind} pack needs labels` });
    }
    if (p.kind === 'classify' && Array.isArray(p.labels) && p.labels.length < 2) {
      ctx.addIssue({ code: 'custom', path: ['labels'], message: 'classify needs at least 2 labels' });
    }
    if (p.kind === 'extract' && !p.output.schema) ctx.addIssue({ code: 'custom', path: ['output', 'schema'], message: 'an extract pack needs an output JSON schema' });
    const c = p.input.chunking;
    // extract/generate/summarize produce one answer for the whole text: chunk answers cannot be aggregated, so
    // chunking there would only join the chunks back (silently bypassing input.maxTokens).
    if (c && c.enabled && (p.kind === 'extract' || p.kind === 'generate' || p.kind === 'summarize')) {
      ctx.addIssue({ code: 'custom', path: ['input', 'chunking'], message: `chunking is not supported for ${p.kind} packs (one answer per text): remove it or set enabled: false; long inputs are truncated to input.maxTokens` });
    }
    const chunkMax = c?.maxTokens ?? p.input.maxTokens;
    if (c && c.overlapTokens >= chunkMax) ctx.addIssue({ code: 'custom', path: ['input', 'chunking', 'overlapTokens'], message: 'must be smaller than the chunk size' });
  });

export type TaskPackFile = z.input<typeof TaskPackSchema>;
type Parsed = z.output<typeof TaskPackSchema>;

/** A label after resolution: every label has verbalizers. */
export interface ResolvedLabel {
  name: string;
  description: string;
  verbalizers: string[];
  threshold?: number;
}

/** A validated, resolved, frozen task pack. */
export interface TaskPack extends Omit<Parsed, 'labels' | 'head'> {
  labels: ResolvedLabel[];
  /** Absolute path of the head file, when the pack has one. */
  head?: string;
  /** The file the pack came from (absent for packs built in code). */
  file?: string;
}

/**
 * The default verbalizer of a label name: a leading space and underscores as spaces.
 *
 * @example
 * defaultVerbalizer('card_arrival') // ' card arrival'
 */
export function defaultVerbalizer(name: string, template = ' {{words}}'): string {
  return template.replaceAll('{{name}}', name).replaceAll('{{words}}', name.replace(/[_-]+/g, ' '));
}
