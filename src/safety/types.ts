/**
 * The shapes of the safety layer: rules, findings, actions, decision traces.
 * Everything here is plain data so that results serialize to JSON (except the Vault, which never does).
 */

/** What the policy does with a finding. */
export type SafetyAction = 'allow' | 'flag' | 'mask' | 'redact' | 'hash' | 'placeholder' | 'block';

/**
 * The actions that rewrite the text.
 *
 * @example
 * TRANSFORM_ACTIONS.has('placeholder') // true
 */
export const TRANSFORM_ACTIONS: ReadonlySet<SafetyAction> = new Set(['mask', 'redact', 'hash', 'placeholder']);

/**
 * Every action a policy may name.
 *
 * @example
 * SAFETY_ACTIONS.includes('block') // true
 */
export const SAFETY_ACTIONS = ['allow', 'flag', 'mask', 'redact', 'hash', 'placeholder', 'block'] as const;

/** Rule families; used by policies and reports. */
export type RuleCategory = 'pii' | 'secret' | 'injection' | 'abuse' | 'output';

/** Where in the pipeline a text is checked. */
export type SafetyStage = 'input' | 'output';

/**
 * One hit of one rule, with offsets into the text the rule was given.
 * `evidence` names what made the rule fire (e.g. `luhn`, `context`), never the matched value.
 */
export interface Finding {
  start: number;
  end: number;
  entity: string;
  score: number;
  ruleId: string;
  evidence?: string;
}

/** What a rule may look at besides the text. */
export interface ScanContext {
  /** Which stage runs the rule. Output rules only run at 'output'. */
  readonly stage: SafetyStage;
  /** For output rules: the (normalized) input the output answers; PII leak compares against it. */
  readonly input?: string;
  /** Per-scan memo shared by rules (candidate windows); created by the scanner. */
  readonly cache?: Map<string, unknown>;
  /**
   * False when the scanner found no invisible, bidi, confusable or compatibility character in the text (one
   * shared test); rules that only look for those may then return at once. Undefined: unknown.
   */
  readonly special?: boolean;
  /**
   * Offsets in the ORIGINAL text of every character of the fold set (see TextView.foldAt), when the scanner has
   * them: rules that only look for such characters (raw rules) can visit these instead of reading the text.
   */
  readonly foldAt?: readonly number[];
}

/**
 * A rule scans a text and returns findings. Rules are pure and synchronous; they see the normalized view of the
 * text (NFKC subset, confusables folded, invisible characters removed) and the engine maps offsets back.
 *
 * @example
 * const rule: Rule = { id: 'x', version: '1', category: 'pii', languages: ['*'], entities: ['X'], stages: ['input'],
 *   scan: (t) => t.includes('secret') ? [{ start: t.indexOf('secret'), end: t.indexOf('secret') + 6, entity: 'X', score: 1, ruleId: 'x' }] : [] }
 */
export interface Rule {
  readonly id: string;
  readonly version: string;
  readonly category: RuleCategory;
  /** BCP-47 language codes the rule is written for; `*` means any. */
  readonly languages: readonly string[];
  /** Entity types this rule can emit. */
  readonly entities: readonly string[];
  /** Stages the rule runs in. */
  readonly stages: readonly SafetyStage[];
  /** When true the rule sees the original text instead of the normalized view (e.g. invisible characters). */
  readonly raw?: boolean;
  /** Action when the policy names none for the entity or rule (default: policy.defaultAction for pii/secret, else flag). */
  readonly defaultAction?: SafetyAction;
  scan(text: string, ctx: ScanContext): Finding[];
}

/** A rule that needs async work (e.g. the NER model). Only `scanAsync`/`maskAsync` run it. */
export interface AsyncRule extends Omit<Rule, 'scan'> {
  scanAsync(text: string, ctx: ScanContext): Promise<Finding[]>;
}

/** A finding after the policy decided: offsets are into the ORIGINAL text. */
export interface SafetyFinding {
  start: number;
  end: number;
  entity: string;
  /** Rule id. */
  rule: string;
  version: string;
  score: number;
  action: SafetyAction;
}

/** One entry of the decision trace: a rule that fired, where, and what the policy did. */
export interface SafetyTraceEntry {
  ruleId: string;
  version: string;
  entity: string;
  /** [start, end) offsets into the original text. */
  spans: [number, number][];
  action: SafetyAction;
  /** Highest score among the spans. */
  score: number;
  /** Human reason; never contains the matched value. */
  reason: string;
}

/** Why a text was blocked: a rule id and a reason, never the sensitive value. */
export interface SafetyBlock {
  ruleId: string;
  entity: string;
  reason: string;
}

/** The result of a scan. */
export interface ScanResult {
  /** Findings that passed their threshold, sorted by start, with the action the policy chose. */
  findings: SafetyFinding[];
  /** True when any finding's action is `block`. */
  blocked: boolean;
  block?: SafetyBlock;
  explanation: { safety: SafetyTraceEntry[] };
}
