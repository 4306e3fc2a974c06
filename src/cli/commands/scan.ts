import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { nerHookFromTask } from '../../apps/nerHook.js';
import { Engine } from '../../engine/Engine.js';
import { Model } from '../../engine/Model.js';
import type { EngineLike } from '../../engine/types.js';
import { ConfigError, InvalidArgumentError, OnrampError } from '../../errors.js';
import { compilePolicy, defaultPolicy, loadPolicy, mask, maskAsync, resolvePolicy, type SafetyScanner } from '../../safety/index.js';
import type { MaskResult } from '../../safety/index.js';
import { builtinTaskDir, resolvePackArg } from '../../tasks/registry.js';

/** The flags of `onramp scan`. */
export interface ScanFlags {
  policy?: string;
  task?: string;
  route?: string;
  json?: boolean;
  jsonl?: boolean;
  /** NER task pack (built-in id or file) behind the `ner-entities` rule (default `ner`). */
  nerTask?: string;
  /** GGUF model the NER task runs on (needed when the policy enables `ner-entities`). */
  model?: string;
}

/** An engine opened for the scan, and how to free it. */
export interface ScanEngine {
  engine: EngineLike;
  dispose(): Promise<void>;
}

async function openModelEngine(file: string): Promise<ScanEngine> {
  const model = await Model.load(file);
  try {
    const engine = await Engine.create(model, { parallel: 1 });
    return {
      engine,
      async dispose() {
        await engine.dispose();
        await model.dispose();
      },
    };
  } catch (e) {
    await model.dispose();
    throw e;
  }
}

/**
 * The scanner of `onramp scan`: the policy (default: built-in) with its task/route overrides. When the resolved
 * policy enables `ner-entities`, the NER task pack (`nerTask`, default the built-in `ner`) runs on `model` as the
 * rule's hook; without `model` that is a ConfigError naming the rule. `--ner-task`/`--model` without the rule are
 * an InvalidArgumentError (they would load a model for nothing). `close()` frees the model.
 *
 * @example
 * const { scanner, close } = await openScanScanner({ policy: 'names.yaml', model: 'qwen.gguf' })
 * try { console.log((await maskAsync('Alice met Bob', scanner)).text) } finally { await close() }
 */
export async function openScanScanner(flags: ScanFlags, openEngine: (model: string) => Promise<ScanEngine> = openModelEngine): Promise<{ scanner: SafetyScanner; close(): Promise<void> }> {
  const policy = flags.policy ? loadPolicy(flags.policy) : undefined;
  const sel = { ...(flags.task ? { task: flags.task } : {}), ...(flags.route ? { route: flags.route } : {}) };
  const ner = resolvePolicy(policy ?? defaultPolicy(), sel).rules['ner-entities'];
  if (ner === undefined || ner.enabled === false) {
    if (flags.nerTask !== undefined || flags.model !== undefined) {
      const flag = flags.nerTask !== undefined ? '--ner-task' : '--model';
      throw new InvalidArgumentError(flag, 'only used when the policy enables the ner-entities rule (rules: { ner-entities: {} })');
    }
    return { scanner: compilePolicy(policy, sel), close: async () => {} };
  }
  if (flags.model === undefined) {
    throw new ConfigError('the policy enables ner-entities (names through a NER model): pass --model <gguf> (and --ner-task <pack>, default ner)', {
      ...(flags.policy ? { file: flags.policy } : {}),
      field: 'rules.ner-entities',
    });
  }
  const pack = resolvePackArg(flags.nerTask ?? 'ner', [builtinTaskDir()]);
  if (pack.kind !== 'ner') throw new InvalidArgumentError('--ner-task', `task ${pack.id} is a ${pack.kind} pack, not ner`);
  const handle = await openEngine(flags.model);
  try {
    return { scanner: compilePolicy(policy, { ...sel, ner: nerHookFromTask(pack, handle.engine) }), close: () => handle.dispose() };
  } catch (e) {
    await handle.dispose();
    throw e;
  }
}

/** mask, or maskAsync when the scanner has async rules (NER). */
const maskAny = (text: string, scanner: SafetyScanner): MaskResult | Promise<MaskResult> => (scanner.asyncRules.length > 0 ? maskAsync(text, scanner) : mask(text, scanner));

/** The per-input JSON shape of `--json` and `--jsonl` (findings without values; the masked text). */
function toJson(r: MaskResult, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...extra,
    findings: r.findings.map((f) => ({ start: f.start, end: f.end, entity: f.entity, rule: f.rule, score: f.score, action: f.action })),
    masked: r.text,
    blocked: r.blocked,
    ...(r.block ? { block: r.block } : {}),
    explanation: r.explanation,
  };
}

function human(r: MaskResult): string {
  const lines: string[] = [];
  if (r.findings.length === 0) lines.push('findings: none');
  else {
    lines.push(`findings: ${r.findings.length}`);
    for (const f of r.findings) {
      lines.push(`  [${f.start},${f.end}) ${f.entity.padEnd(20)} ${f.rule.padEnd(22)} score ${f.score.toFixed(2)}  ${f.action}`);
    }
  }
  if (r.blocked && r.block) lines.push(`BLOCKED: rule ${r.block.ruleId}: ${r.block.reason}`);
  lines.push('masked:', r.text);
  return `${lines.join('\n')}\n`;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Processes JSON lines: each input line `{"text": "...", "id"?: any}` gives one output line with `findings` and
 * `masked`; a bad line gives `{"line": n, "error": {code, message}}` and processing goes on.
 *
 * @example
 * await scanJsonl(process.stdin, process.stdout, compilePolicy())
 */
export async function scanJsonl(input: NodeJS.ReadableStream, output: NodeJS.WritableStream, scanner: SafetyScanner): Promise<number> {
  const rl = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  let errors = 0;
  for await (const line of rl) {
    n++;
    if (line.trim() === '') continue;
    let out: Record<string, unknown>;
    try {
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch {
        // the parser's message quotes the input: never echo it
        throw new OnrampError('INVALID_JSON', `line ${n} is not valid JSON`);
      }
      const text = (obj as { text?: unknown } | null)?.text;
      if (typeof obj !== 'object' || obj === null || typeof text !== 'string') throw new InvalidArgumentError('text', `line ${n} needs an object with a string "text"`);
      const id = (obj as { id?: unknown }).id;
      out = toJson(await maskAny(text, scanner), id === undefined ? {} : { id });
    } catch (e) {
      errors++;
      const err = e instanceof OnrampError ? { code: e.code, message: e.message } : { code: 'INTERNAL', message: String((e as Error).message ?? e) };
      out = { line: n, error: err };
    }
    output.write(`${JSON.stringify(out)}\n`);
  }
  return errors;
}

/**
 * `onramp scan [text] [--policy file] [--task name] [--route path] [--json] [--jsonl]`: finds PII, secrets and
 * injection attempts and prints the findings and the masked text. Text comes from the argument or stdin; with
 * `--jsonl` every stdin line is `{"text": ...}` and every output line one JSON object for that input. A policy
 * enabling `ner-entities` needs `--model <gguf>` (and `--ner-task <pack>`, default the built-in `ner`).
 *
 * @example
 * onramp scan "call me at 13812345678" --json
 * printf '{"text":"a@b.cn"}\n' | onramp scan --jsonl
 * onramp scan --policy names.yaml --model qwen.gguf "Angela Merkel met Apple in Paris" --json
 */
export function register(program: Command): void {
  program
    .command('scan')
    .description('scan text for PII, secrets and prompt injection; print findings and the masked text (no model needed)')
    .argument('[text]', 'text to scan (default: read stdin)')
    .option('--policy <file>', 'safety policy file (JSON or YAML; default: built-in default policy)')
    .option('--task <name>', 'apply the policy overrides of this task pack')
    .option('--route <path>', 'apply the policy overrides of this route')
    .option('--json', 'print one JSON document {findings, masked, blocked, block?, explanation}')
    .option('--jsonl', 'read JSON lines {"text": ...} from stdin and print one JSON object per line')
    .option('--ner-task <pack>', 'NER task pack (built-in id or file) behind the ner-entities rule (default: ner)')
    .option('--model <gguf>', 'GGUF model for the NER task (needed when the policy enables ner-entities)')
    .action(async (text: string | undefined, flags: ScanFlags) => {
      if (flags.json && flags.jsonl) throw new InvalidArgumentError('--jsonl', 'use either --json or --jsonl');
      if (flags.jsonl && text !== undefined) throw new InvalidArgumentError('--jsonl', 'reads stdin; do not pass a text argument');
      const { scanner, close } = await openScanScanner(flags);
      try {
        if (flags.jsonl) {
          const errors = await scanJsonl(process.stdin, process.stdout, scanner);
          if (errors > 0) process.exitCode = 1;
          return;
        }
        const input = text ?? (await readAll(process.stdin));
        const r = await maskAny(input, scanner);
        process.stdout.write(flags.json ? `${JSON.stringify(toJson(r))}\n` : human(r));
      } finally {
        await close();
      }
    });
}
