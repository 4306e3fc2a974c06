import { checkOutput, compilePolicy, mask, restore, type SafetyPolicy } from '../safety/index.js';
import type { SafetyBlock, SafetyFinding, SafetyTraceEntry } from '../safety/types.js';
import { Vault } from '../safety/vault.js';

/** A decision-trace entry of a generation request: which stage, and for input which message (index). */
export interface GuardTraceEntry extends SafetyTraceEntry {
  stage: 'input' | 'output';
  /** Index of the message (chat) the spans index into; absent for completions and for the output. */
  message?: number;
}

/** Why a request's input or its answer was blocked; never the matched value. */
export interface GuardBlock extends SafetyBlock {
  stage: 'input' | 'output';
  message?: number;
}

/** The output stage's verdict on a finished answer. */
export interface OutputVerdict {
  /** The answer after output-rule actions and placeholder restoration (where the policy allows). */
  text: string;
  block?: GuardBlock;
  trace: GuardTraceEntry[];
  /** Rule ids of the output findings (for metrics; no values). */
  rules: string[];
}

/** Restores placeholders in a stream of text pieces, holding back a piece that may be a split placeholder. */
export interface StreamRestorer {
  push(piece: string): string;
  flush(): string;
}

/**
 * The safety state of one generation request: the masked prompt texts, the per-request vault (in this object
 * only; never serialized, logged or returned), and the input decision trace.
 */
export interface InputGuard {
  /** The prompt texts to generate from, masked per the policy (same order as given). */
  readonly texts: string[];
  /** True when masking changed any text. */
  readonly changed: boolean;
  /** Set when a rule blocked the input. */
  readonly block?: GuardBlock;
  readonly trace: GuardTraceEntry[];
  /** Rule ids of the input findings (for metrics; no values). */
  readonly rules: string[];
  /** Output rules (leaks, blocked terms, length) and placeholder restoration on the whole answer. */
  finish(answer: string): OutputVerdict;
  /** Incremental placeholder restoration for streams (output rules run on the whole answer via `finish`). */
  restorer(): StreamRestorer;
}

/** Builds the guard of one request from its prompt texts. */
export type GuardFactory = (texts: string[], opts: { route: string; /** Texts are chat messages: trace entries name their index. */ messages?: boolean }) => InputGuard;

/** Longest placeholder a stream may hold back while waiting for its `>`. */
const MAX_PLACEHOLDER = 64;
const PARTIAL_PLACEHOLDER = /^<[A-Z0-9_]*$/;

const tag = (entries: SafetyTraceEntry[], stage: 'input' | 'output', message?: number): GuardTraceEntry[] =>
  entries.map((e) => (message === undefined ? { ...e, stage } : { ...e, stage, message }));

const rulesOf = (findings: SafetyFinding[]): string[] => findings.map((f) => f.rule);

/**
 * Input and output safety for the OpenAI routes, over a policy (default: the built-in one) with the route's
 * overrides (`routes['/v1/chat/completions']` in the policy file). Placeholders are numbered across all the
 * messages of a request, so the same value gets the same placeholder everywhere.
 *
 * @example
 * const guard = createGenerationGuard(loadPolicy('policy.yaml'))
 * const g = guard(['my phone is 13812345678'], { route: '/v1/chat/completions', messages: true })
 * g.texts                        // ['my phone is <PHONE_1>']
 * g.finish('Calling <PHONE_1>').text // 'Calling 13812345678'
 */
export function createGenerationGuard(policy?: SafetyPolicy): GuardFactory {
  return (texts, opts) => {
    const scanner = compilePolicy(policy, { route: opts.route });
    const vault = new Vault();
    const out: string[] = [];
    const trace: GuardTraceEntry[] = [];
    const rules: string[] = [];
    let block: GuardBlock | undefined;
    let changed = false;
    texts.forEach((text, i) => {
      const r = mask(text, scanner, { vault });
      const message = opts.messages ? i : undefined;
      out.push(r.text);
      if (r.text !== text) changed = true;
      trace.push(...tag(r.explanation.safety, 'input', message));
      rules.push(...rulesOf(r.findings));
      if (r.block && !block) block = message === undefined ? { ...r.block, stage: 'input' } : { ...r.block, stage: 'input', message };
    });
    const input = texts.join('\n');
    const restoreText = (s: string): string => (vault.size === 0 ? s : restore(s, vault, scanner));
    return {
      texts: out,
      changed,
      ...(block ? { block } : {}),
      trace,
      rules,
      finish(answer) {
        const r = checkOutput(answer, { policy: scanner, vault, input });
        return {
          text: r.text,
          ...(r.block ? { block: { ...r.block, stage: 'output' as const } } : {}),
          trace: tag(r.explanation.safety, 'output'),
          rules: rulesOf(r.findings),
        };
      },
      restorer() {
        let held = '';
        return {
          push(piece) {
            if (vault.size === 0) return piece;
            const buf = held + piece;
            const lt = buf.lastIndexOf('<');
            const cut = lt >= 0 && buf.length - lt <= MAX_PLACEHOLDER && PARTIAL_PLACEHOLDER.test(buf.slice(lt)) ? lt : buf.length;
            held = buf.slice(cut);
            return restoreText(buf.slice(0, cut));
          },
          flush() {
            const rest = held;
            held = '';
            return restoreText(rest);
          },
        };
      },
    };
  };
}
