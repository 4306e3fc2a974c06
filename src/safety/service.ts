import { compilePolicy, mask, type MaskResult } from './api.js';
import type { SafetyPolicy } from './policy.js';
import type { SafetyAction, ScanResult } from './types.js';

const RANK: Record<SafetyAction, number> = { allow: 0, flag: 1, mask: 2, hash: 3, placeholder: 3, redact: 4, block: 5 };

/** A finding as the HTTP layer returns it: `ruleId` (and `rule`), offsets, entity, score, action. No values. */
export interface ServiceFinding {
  ruleId: string;
  rule: string;
  version: string;
  entity: string;
  start: number;
  end: number;
  score: number;
  action: SafetyAction;
}

/** What `/v1/safety/scan` returns. */
export interface ServiceScanOutput {
  findings: ServiceFinding[];
  /** The strongest action among the findings (`allow` when there are none). */
  action: SafetyAction;
  blocked: boolean;
  block?: ScanResult['block'];
  explanation: ScanResult['explanation'];
  [extra: string]: unknown;
}

/** What `/v1/safety/mask` returns (the vault stays on the server side and is dropped). */
export interface ServiceMaskOutput extends ServiceScanOutput {
  text: string;
}

function toOutput(r: ScanResult): ServiceScanOutput {
  let action: SafetyAction = 'allow';
  for (const f of r.findings) if (RANK[f.action] > RANK[action]) action = f.action;
  return {
    findings: r.findings.map((f) => ({ ruleId: f.rule, rule: f.rule, version: f.version, entity: f.entity, start: f.start, end: f.end, score: f.score, action: f.action })),
    action,
    blocked: r.blocked,
    ...(r.block ? { block: r.block } : {}),
    explanation: r.explanation,
  };
}

/**
 * The safety layer shaped for the HTTP routes (`SafetyService` in src/server/deps.ts): `scan` and `mask`, where
 * `opts.policy` names a task pack whose overrides apply. Synchronous; scanners are compiled once per task.
 *
 * @example
 * const app = createApp({ ...deps, safety: createSafetyService(loadPolicy('models/policies/default.yaml')) })
 */
export function createSafetyService(policy?: SafetyPolicy, opts: { route?: { scan?: string; mask?: string } } = {}): {
  scan(text: string, o?: { policy?: string }): ServiceScanOutput;
  mask(text: string, o?: { policy?: string }): ServiceMaskOutput;
} {
  const scanRoute = opts.route?.scan ?? '/v1/safety/scan';
  const maskRoute = opts.route?.mask ?? '/v1/safety/mask';
  const scanner = (task: string | undefined, route: string) => compilePolicy(policy, { ...(task ? { task } : {}), route });
  return {
    scan: (text, o) => toOutput(scanner(o?.policy, scanRoute).scan(text, 'input')),
    mask: (text, o) => {
      const r: MaskResult = mask(text, scanner(o?.policy, maskRoute));
      return { ...toOutput(r), text: r.text };
    },
  };
}
