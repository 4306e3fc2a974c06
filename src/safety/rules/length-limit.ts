import type { Finding, Rule, ScanContext } from '../types.js';

/**
 * Length limits in characters, per stage (`{ input?: number, output?: number }`). The span is the part beyond the
 * limit.
 *
 * @example
 * createLengthLimitRule({ output: 10 }).scan('a'.repeat(12), { stage: 'output' })[0] // { start: 10, end: 12, entity: 'LENGTH_LIMIT', … }
 */
export function createLengthLimitRule(opts: { input?: number; output?: number } = {}): Rule {
  return {
    id: 'length-limit',
    version: '1',
    category: 'output',
    defaultAction: 'block',
    languages: ['*'],
    entities: ['LENGTH_LIMIT'],
    stages: ['input', 'output'],
    raw: true,
    scan(text: string, ctx: ScanContext): Finding[] {
      const max = ctx.stage === 'input' ? opts.input : opts.output;
      if (max === undefined || text.length <= max) return [];
      return [{ start: max, end: text.length, entity: 'LENGTH_LIMIT', score: 1, ruleId: 'length-limit', evidence: `${ctx.stage}>${max}` }];
    },
  };
}
