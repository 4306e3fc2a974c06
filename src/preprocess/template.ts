/**
 * Prompt templates with named fields (`{{field}}`), few-shot examples and an optional chat template.
 */
import type { ChatMessage } from '../engine/types.js';
import { InvalidArgumentError } from '../errors.js';

const FIELD = /\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}/g;

/**
 * Names of the fields a template uses, in order of first appearance.
 *
 * @example
 * templateFields('Review: {{text}}\nLabels: {{labels}}') // ['text', 'labels']
 */
export function templateFields(template: string): string[] {
  const out: string[] = [];
  for (const m of template.matchAll(FIELD)) if (!out.includes(m[1]!)) out.push(m[1]!);
  return out;
}

/**
 * Fills `{{field}}` placeholders. A field the template uses but `fields` lacks is an error naming the field.
 *
 * @example
 * renderTemplate('Review: {{text}}', { text: 'great' }) // 'Review: great'
 */
export function renderTemplate(template: string, fields: Readonly<Record<string, string | number>>): string {
  return template.replace(FIELD, (_, name: string) => {
    const v = fields[name];
    if (v === undefined) throw new InvalidArgumentError(`fields.${name}`, `template field '${name}' has no value`);
    return String(v);
  });
}

/** One few-shot example: the template's fields and the expected answer. */
export interface FewShotExample {
  fields: Record<string, string>;
  output: string;
}

export interface PromptSpec {
  system?: string | undefined;
  template: string;
  examples?: readonly FewShotExample[] | undefined;
  /** Use the model's chat template (messages) instead of a raw prompt. */
  chatTemplate?: boolean | undefined;
  /** Joins the rendered template and its answer in raw mode (default '' — the template ends where the answer starts). */
  answerSeparator?: string | undefined;
  /** Separates examples in raw mode (default a blank line). */
  exampleSeparator?: string | undefined;
}

/** A built prompt: raw text, or messages for a chat template. */
export type BuiltPrompt = { kind: 'raw'; text: string } | { kind: 'chat'; messages: ChatMessage[] };

/**
 * Builds a prompt from a spec and the input's fields. In raw mode the result ends right where the answer
 * starts (what label scoring wants); in chat mode the last message is the user turn.
 *
 * @example
 * buildPrompt({ template: 'Review: {{text}}\nSentiment:', examples: [{ fields: { text: 'bad' }, output: ' negative' }] }, { text: 'good' })
 * // { kind: 'raw', text: 'Review: bad\nSentiment: negative\n\nReview: good\nSentiment:' }
 */
export function buildPrompt(spec: PromptSpec, fields: Readonly<Record<string, string | number>>): BuiltPrompt {
  const examples = spec.examples ?? [];
  if (spec.chatTemplate) {
    const messages: ChatMessage[] = [];
    if (spec.system) messages.push({ role: 'system', content: renderTemplate(spec.system, fields) });
    for (const ex of examples) {
      messages.push({ role: 'user', content: renderTemplate(spec.template, { ...fields, ...ex.fields }) });
      messages.push({ role: 'assistant', content: ex.output.trim() });
    }
    messages.push({ role: 'user', content: renderTemplate(spec.template, fields) });
    return { kind: 'chat', messages };
  }
  const sep = spec.exampleSeparator ?? '\n\n';
  const ans = spec.answerSeparator ?? '';
  const parts: string[] = [];
  if (spec.system) parts.push(renderTemplate(spec.system, fields));
  for (const ex of examples) parts.push(renderTemplate(spec.template, { ...fields, ...ex.fields }) + ans + ex.output);
  parts.push(renderTemplate(spec.template, fields));
  return { kind: 'raw', text: parts.join(sep) };
}

/** The part of an engine a prompt needs to become text. */
export interface ChatTemplater {
  applyChatTemplate(messages: ChatMessage[], options?: { addAssistant?: boolean }): string;
}

/**
 * Turns a built prompt into the text the model sees (chat prompts end with the assistant turn opened).
 *
 * @example
 * promptText(buildPrompt(spec, { text }), engine)
 */
export function promptText(prompt: BuiltPrompt, templater: ChatTemplater): string {
  return prompt.kind === 'raw' ? prompt.text : templater.applyChatTemplate(prompt.messages, { addAssistant: true });
}
