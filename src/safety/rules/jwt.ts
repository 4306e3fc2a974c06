import { containsVia } from '../candidates.js';
import { PatternRule } from '../pattern-rule.js';

/**
 * JSON Web Tokens: three base64url segments whose header decodes to a JSON object with an `alg`.
 *
 * @example
 * createJwtRule().scan('Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl', { stage: 'input' })[0]?.entity // 'SECRET'
 */
export function createJwtRule(): PatternRule {
  return new PatternRule({
    id: 'jwt',
    version: '1',
    category: 'secret',
    entity: 'SECRET',
    precheck: (t) => containsVia(t, 'eyJ', 2),
    patterns: [{ regex: /(?<![\w-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*(?![\w-])/g, score: 0.95, name: 'jwt' }],
    validate: ({ value }) => {
      try {
        const header = JSON.parse(Buffer.from(value.slice(0, value.indexOf('.')), 'base64url').toString('utf8')) as unknown;
        return typeof header === 'object' && header !== null && 'alg' in header ? 'jwt' : false;
      } catch {
        return false;
      }
    },
  });
}
