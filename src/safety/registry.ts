import { ConfigError } from '../errors.js';
import { createBlockedTermsRule } from './rules/blocked-terms.js';
import { createBlockedTopicsRule } from './rules/blocked-topics.js';
import { createCnPassportRule } from './rules/cn-passport.js';
import { createCnResidentIdRule } from './rules/cn-resident-id.js';
import { createCnUsccRule } from './rules/cn-uscc.js';
import { createConfusableCharsRule } from './rules/confusable-chars.js';
import { createEmailRule } from './rules/email.js';
import { createEncodedPayloadRule } from './rules/encoded-payload.js';
import { createExcessiveRepetitionRule } from './rules/excessive-repetition.js';
import { createHighEntropySecretRule } from './rules/high-entropy-secret.js';
import { createIbanRule } from './rules/iban.js';
import { createInjectionDelimiterRule } from './rules/injection-delimiter.js';
import { createInjectionExfiltrationRule } from './rules/injection-exfiltration.js';
import { createInjectionOverrideRule } from './rules/injection-override.js';
import { createInjectionRoleplayRule } from './rules/injection-roleplay.js';
import { createInvisibleCharsRule } from './rules/invisible-chars.js';
import { createIpAddressRule } from './rules/ip-address.js';
import { createJsonSchemaRule } from './rules/json-schema.js';
import { createJwtRule } from './rules/jwt.js';
import { createLengthLimitRule } from './rules/length-limit.js';
import { createNerEntitiesRule, type NerFunction } from './rules/ner-entities.js';
import { createPaymentCardRule } from './rules/payment-card.js';
import { createPhoneRule } from './rules/phone.js';
import { createPiiLeakRule } from './rules/pii-leak.js';
import { createPrivateKeyRule } from './rules/private-key.js';
import { createSecretTokenRule } from './rules/secret-token.js';
import { createUrlRule } from './rules/url.js';
import { createUsSsnRule } from './rules/us-ssn.js';
import type { AsyncRule, Rule } from './types.js';

/** What a rule factory gets: the rule's `options` from the policy and the hooks the caller provided. */
export interface RuleFactoryContext {
  options: Readonly<Record<string, unknown>>;
  /** The NER hook (only `ner-entities` uses it). */
  ner?: NerFunction;
  /** The PII and secret rules enabled in the same policy (only `pii-leak` uses them). */
  piiRules: readonly Rule[];
}

/** Builds a rule from its policy options. */
export type RuleFactory = (ctx: RuleFactoryContext) => Rule | AsyncRule;

const num = (o: Readonly<Record<string, unknown>>, k: string): number | undefined => (typeof o[k] === 'number' ? (o[k] as number) : undefined);
const strings = (o: Readonly<Record<string, unknown>>, k: string): string[] => {
  const v = o[k];
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new ConfigError('must be a list of strings', { field: `options.${k}` });
  return v as string[];
};

/**
 * Every safety rule by id: adding a rule is one file in ./rules, one line here and one test. Frozen.
 *
 * @example
 * const rule = RULE_FACTORIES['email']!({ options: {}, piiRules: [] })
 */
export const RULE_FACTORIES: Readonly<Record<string, RuleFactory>> = Object.freeze({
  // PII (input)
  email: () => createEmailRule(),
  phone: () => createPhoneRule(),
  'cn-resident-id': () => createCnResidentIdRule(),
  'payment-card': () => createPaymentCardRule(),
  iban: () => createIbanRule(),
  'ip-address': () => createIpAddressRule(),
  url: () => createUrlRule(),
  'cn-uscc': () => createCnUsccRule(),
  'cn-passport': () => createCnPassportRule(),
  'us-ssn': () => createUsSsnRule(),
  'ner-entities': (ctx) => {
    if (!ctx.ner) throw new ConfigError('rule ner-entities needs a ner function (compilePolicy(policy, { ner }))', { field: 'rules.ner-entities' });
    return createNerEntitiesRule(ctx.ner, { labels: ctx.options['labels'] === undefined ? undefined : strings(ctx.options, 'labels') });
  },
  // secrets
  'secret-token': () => createSecretTokenRule(),
  jwt: () => createJwtRule(),
  'private-key': () => createPrivateKeyRule(),
  'high-entropy-secret': () => createHighEntropySecretRule(),
  // injection and abuse
  'injection-override': () => createInjectionOverrideRule(),
  'injection-roleplay': () => createInjectionRoleplayRule(),
  'injection-exfiltration': () => createInjectionExfiltrationRule(),
  'injection-delimiter': () => createInjectionDelimiterRule(),
  'invisible-chars': () => createInvisibleCharsRule(),
  'confusable-chars': () => createConfusableCharsRule(),
  'encoded-payload': (ctx) => createEncodedPayloadRule({ depth: num(ctx.options, 'depth') }),
  'excessive-repetition': (ctx) => createExcessiveRepetitionRule({ minChars: num(ctx.options, 'minChars'), minRepeats: num(ctx.options, 'minRepeats') }),
  // output
  'pii-leak': (ctx) => createPiiLeakRule(ctx.piiRules),
  'blocked-terms': (ctx) => createBlockedTermsRule({ terms: strings(ctx.options, 'terms') }),
  'blocked-topics': (ctx) => {
    const topics = ctx.options['topics'] ?? {};
    if (typeof topics !== 'object' || topics === null || Array.isArray(topics)) throw new ConfigError('must map topic names to word lists', { field: 'options.topics' });
    const t: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(topics)) t[k] = strings({ v }, 'v');
    return createBlockedTopicsRule({ topics: t, minHits: num(ctx.options, 'minHits') });
  },
  'json-schema': (ctx) => createJsonSchemaRule({ schema: ctx.options['schema'] }),
  'length-limit': (ctx) => createLengthLimitRule({ input: num(ctx.options, 'input'), output: num(ctx.options, 'output') }),
});

/**
 * True for rules that only `scanAsync` can run.
 *
 * @example
 * isAsyncRule(createNerEntitiesRule(async () => [])) // true
 */
export function isAsyncRule(r: Rule | AsyncRule): r is AsyncRule {
  return typeof (r as AsyncRule).scanAsync === 'function';
}
