/**
 * `onramp run <pack> --model <gguf> --text ...`: runs one task pack on one text and prints the result
 * (human text, or the whole result with its explanation as one JSON document with --json).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Engine } from '../../engine/Engine.js';
import { Model } from '../../engine/Model.js';
import { InvalidArgumentError } from '../../errors.js';
import { HeadRunner } from '../../tasks/heads/HeadRunner.js';
import { assertHeadFits } from '../../tasks/head.js';
import { builtinTaskDir, resolvePackArg } from '../../tasks/registry.js';
import { loadPolicyRef } from '../../tasks/policyRef.js';
import { runTask } from '../../tasks/runTask.js';
import type { TaskPack } from '../../tasks/pack.js';
import type { TaskResult } from '../../tasks/types.js';

interface Opts {
  model: string;
  text?: string;
  file?: string;
  field: string[];
  json?: boolean;
  temperature?: string;
  parallel: string;
  threads?: string;
  head?: string;
  explain?: boolean;
  policy?: string;
  safety: boolean;
}

/** Engine options that fit a pack: enough scoring sequences for all verbalizers in one round. */
export function engineOptionsFor(pack: TaskPack, parallel: number, threads?: string): { parallel: number; scoreSequences: number; threads?: number } {
  const candidates = pack.labels.reduce((a, l) => a + l.verbalizers.length, 0);
  const t = threads === undefined ? undefined : Number(threads);
  if (t !== undefined && (!Number.isInteger(t) || t < 1)) throw new InvalidArgumentError('threads', 'must be a positive integer');
  return { parallel, scoreSequences: Math.max(8, Math.min(candidates, 256 - parallel)), ...(t ? { threads: t } : {}) };
}

/** Human-readable rendering of a task result. */
export function formatResult(r: TaskResult): string {
  const bar = (p: number) => '█'.repeat(Math.round(p * 20)).padEnd(20, '·');
  switch (r.kind) {
    case 'classify': {
      const w = Math.max(...r.labels.map((l) => l.label.length));
      const head = `${r.label}${r.abstained ? ` (abstained; top ${r.labels[0]!.label})` : ''}  p=${r.score.toFixed(4)}  margin=${r.margin.toFixed(4)}`;
      return [head, ...r.labels.slice(0, 20).map((l) => `  ${l.label.padEnd(w)}  ${bar(l.score)}  ${l.score.toFixed(4)}`), r.labels.length > 20 ? `  … ${r.labels.length - 20} more (--json shows all)` : ''].filter(Boolean).join('\n');
    }
    case 'multilabel':
      return [`labels: ${r.labels.join(', ') || '(none)'}`, ...r.scores.map((s) => `  ${s.label.padEnd(20)}  ${bar(s.score)}  ${s.score.toFixed(4)} (threshold ${s.threshold})`)].join('\n');
    case 'extract':
      return JSON.stringify(r.data, null, 2);
    case 'ner':
      return r.entities.length ? r.entities.map((e) => `${e.entity_group.padEnd(14)} ${e.score.toFixed(3)}  [${e.start}, ${e.end})  ${JSON.stringify(e.word)}`).join('\n') : '(no entities)';
    default:
      return r.text;
  }
}

/**
 * The safety trace of a result as human lines (rule, stage, action, spans; never values); '' when nothing fired.
 *
 * @example
 * formatSafety(r) // 'safety (default): input phone PHONE placeholder [12,23)\n'
 */
export function formatSafety(r: TaskResult): string {
  const t = r.explanation.safety;
  if (!t?.length) return '';
  const head = `safety (${r.explanation.safetyPolicy?.name ?? 'policy'}):`;
  const lines = t.map((e) => `  ${e.stage.padEnd(6)} ${e.ruleId.padEnd(22)} ${e.entity.padEnd(18)} ${e.action.padEnd(11)} ${e.field ? `${e.field} ` : ''}${e.spans.map(([a, b]) => `[${a},${b})`).join(' ')}`);
  return [head, ...lines].join('\n') + '\n';
}

/** Registers `onramp run`. */
export function register(program: Command): void {
  program
    .command('run')
    .description('run a task pack (built-in id or file) on one text')
    .argument('<pack>', 'task pack: a built-in id (sentiment-en, intent-banking77, ner, …) or a .yaml/.json file')
    .requiredOption('--model <gguf>', 'GGUF model file')
    .option('--text <text>', 'the input text (default: read stdin)')
    .option('--file <path>', 'read the input text from a file')
    .option('--field <k=v>', 'extra template field (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--temperature <T>', 'softmax temperature for label scoring')
    .option('--parallel <n>', 'engine slots', '1')
    .option('--threads <n>', 'decode threads (default: the engine default)')
    .option('--head <file>', 'score labels with this trained head (onramp train-head) instead of the pack\'s scorer')
    .option('--explain', 'with a head: add the words that mattered most (occlusion) to the explanation')
    .option('--policy <file|name>', 'safety policy (a file, or a built-in name: default, strict) for packs that name none (default: the built-in default)')
    .option('--no-safety', 'run without input/output safety checks (no explanation.safety)')
    .option('--json', 'print the result with its explanation as one JSON document')
    .action(async (packArg: string, o: Opts) => {
      const pack = resolvePackArg(packArg, [builtinTaskDir()]);
      const policy = o.policy && o.safety ? loadPolicyRef(o.policy, process.cwd(), { field: 'policy' }) : undefined;
      const text = o.text ?? (o.file ? readFileSync(o.file, 'utf8') : readFileSync(0, 'utf8'));
      const fields: Record<string, string> = {};
      for (const f of o.field) {
        const eq = f.indexOf('=');
        if (eq <= 0) throw new InvalidArgumentError('field', `'${f}' is not k=v`);
        fields[f.slice(0, eq)] = f.slice(eq + 1);
      }
      const temperature = o.temperature === undefined ? undefined : Number(o.temperature);
      if (temperature !== undefined && !(temperature > 0)) throw new InvalidArgumentError('temperature', 'must be a positive number');
      const model = await Model.load(o.model);
      try {
        const engine = await Engine.create(model, engineOptionsFor(pack, Number(o.parallel) || 1, o.threads));
        try {
          const head = o.head ? await HeadRunner.create(engine, o.head) : undefined;
          if (head) assertHeadFits(pack, head, '--head'); // a head that does not apply is an error, never ignored
          const r = await runTask(pack, Object.keys(fields).length ? { text, fields } : text, {
            engine,
            ...(temperature ? { temperature } : {}),
            ...(head ? { head } : {}),
            ...(o.explain ? { explain: true } : {}),
            ...(policy ? { policy } : {}),
            ...(o.safety ? {} : { safety: false }),
          });
          process.stdout.write(o.json ? JSON.stringify(r, null, 2) + '\n' : formatResult(r) + '\n' + formatSafety(r));
        } finally {
          await engine.dispose();
        }
      } finally {
        await model.dispose();
      }
    });
}
