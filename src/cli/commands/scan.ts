import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { InvalidArgumentError, OnrampError } from '../../errors.js';
import { compilePolicy, loadPolicy, mask, type SafetyScanner } from '../../safety/index.js';
import type { MaskResult } from '../../safety/index.js';

interface ScanFlags {
  policy?: string;
  task?: string;
  route?: string;
  json?: boolean;
  jsonl?: boolean;
}

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
      out = toJson(mask(text, scanner), id === undefined ? {} : { id });
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
 * `--jsonl` every stdin line is `{"text": ...}` and every output line one JSON object for that input.
 *
 * @example
 * onramp scan "call me at 13812345678" --json
 * printf '{"text":"a@b.cn"}\n' | onramp scan --jsonl
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
    .action(async (text: string | undefined, flags: ScanFlags) => {
      if (flags.json && flags.jsonl) throw new InvalidArgumentError('--jsonl', 'use either --json or --jsonl');
      if (flags.jsonl && text !== undefined) throw new InvalidArgumentError('--jsonl', 'reads stdin; do not pass a text argument');
      const policy = flags.policy ? loadPolicy(flags.policy) : undefined;
      const scanner = compilePolicy(policy, { ...(flags.task ? { task: flags.task } : {}), ...(flags.route ? { route: flags.route } : {}) });
      if (flags.jsonl) {
        const errors = await scanJsonl(process.stdin, process.stdout, scanner);
        if (errors > 0) process.exitCode = 1;
        return;
      }
      const input = text ?? (await readAll(process.stdin));
      const r = mask(input, scanner);
      process.stdout.write(flags.json ? `${JSON.stringify(toJson(r))}\n` : human(r));
    });
}
