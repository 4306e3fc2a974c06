/**
 * Rule-based safety without a model: PII and secret recognizers with real checksums, reversible masking with a
 * per-request vault, injection and abuse checks (English and Chinese), output rules, and decision traces.
 */
export { scan, scanAsync, mask, maskAsync, restore, checkInput, checkOutput, compilePolicy, throwIfBlocked } from './api.js';
export type { PolicyInput, PolicySelector, MaskResult, OutputCheck } from './api.js';
export { loadPolicy, parsePolicy, resolvePolicy, defaultPolicy, SafetyPolicySchema, policyEnablesRule, withoutRules } from './policy.js';
export type { SafetyPolicy, PolicyOverrides, RuleConfig, EntityConfig, ResolvedPolicy } from './policy.js';
export { SafetyScanner } from './scanner.js';
export type { CompileOptions } from './scanner.js';
export { Vault } from './vault.js';
export { createSafetyService } from './service.js';
export type { ServiceFinding, ServiceScanOutput, ServiceMaskOutput } from './service.js';
export { RULE_FACTORIES } from './registry.js';
export type { RuleFactory, RuleFactoryContext } from './registry.js';
export { PatternRule } from './pattern-rule.js';
export type { PatternRuleOptions, PatternSpec, PatternMatch } from './pattern-rule.js';
export { PhraseRule } from './phrase-rule.js';
export type { PhraseRuleOptions, PhraseSpec } from './phrase-rule.js';
export { createNerEntitiesRule } from './rules/ner-entities.js';
export type { NerEntity, NerFunction } from './rules/ner-entities.js';
export { maskValue, hashValue } from './operators.js';
export { setSafetyLogger } from './log.js';
export { splitSentences, createView } from './text.js';
export { luhnValid, ibanValid, cnResidentIdValid, usccValid, parseIPv4, parseIPv6 } from './validators.js';
export type {
  SafetyAction,
  RuleCategory,
  SafetyStage,
  Finding,
  Rule,
  AsyncRule,
  ScanContext,
  SafetyFinding,
  SafetyTraceEntry,
  SafetyBlock,
  ScanResult,
} from './types.js';
