import { PatternRule } from '../pattern-rule.js';

/**
 * PEM and OpenSSH private keys (RSA, EC, DSA, OPENSSH, ENCRYPTED, PGP private key blocks), whole block or a
 * truncated block without its END line.
 *
 * @example
 * createPrivateKeyRule().scan('-----BEGIN RSA PRIVATE KEY-----\nMIIB...\n-----END RSA PRIVATE KEY-----', { stage: 'input' })[0]?.entity // 'SECRET'
 */
export function createPrivateKeyRule(): PatternRule {
  return new PatternRule({
    id: 'private-key',
    version: '1',
    category: 'secret',
    entity: 'SECRET',
    precheck: (t) => t.includes('-----BEGIN'),
    patterns: [
      {
        regex: /-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----[\s\S]{0,16384}?-----END \1-----/g,
        score: 1,
        name: 'pem',
      },
      { regex: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:\s*[A-Za-z0-9+/=:,-]+)*/g, score: 0.9, name: 'pem-truncated' },
    ],
  });
}
