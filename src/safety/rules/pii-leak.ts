import type { Finding, Rule, ScanContext } from '../types.js';

/** Lowercase letters and digits only, so `138 1234 5678` in the input matches `13812345678` in the output. */
function key(s: string): string {
  return s.toLowerCase().replace(/[^0-9a-z\u00C0-\uFFFF]/g, '');
}

/**
 * Output rule: PII or secrets in a model's output that were NOT in the input (a leak from training data, the
 * context or another user). Runs the given PII rules on the output and keeps the values absent from the input.
 * Without an input (ctx.input undefined) every PII value in the output counts as a leak.
 *
 * @example
 * const leak = createPiiLeakRule([createEmailRule()])
 * leak.scan('write to bob@corp.com', { stage: 'output', input: 'who to write to?' })[0]?.entity // 'PII_LEAK'
 */
export function createPiiLeakRule(piiRules: readonly Rule[]): Rule {
  return {
    id: 'pii-leak',
    version: '1',
    category: 'output',
    defaultAction: 'redact',
    languages: ['*'],
    entities: ['PII_LEAK'],
    stages: ['output'],
    scan(text: string, ctx: ScanContext): Finding[] {
      const inputKey = ctx.input === undefined ? '' : key(ctx.input);
      const out: Finding[] = [];
      for (const r of piiRules) {
        for (const f of r.scan(text, { stage: 'input' })) {
          const k = key(text.slice(f.start, f.end));
          if (k.length > 0 && inputKey.includes(k)) continue;
          out.push({ ...f, entity: 'PII_LEAK', ruleId: 'pii-leak', evidence: `${f.entity}:${f.ruleId}` });
        }
      }
      return out;
    },
  };
}
