/** Task packs, registry, adapters and the runTask entry point (heads live in ./heads). */
export * from './pack.js';
export { validatePack, loadPackFile, parsePackText } from './loadPack.js';
export { TaskRegistry, resolvePackArg, builtinTaskDir, type RegistryOptions, type ReloadInfo } from './registry.js';
export * from './types.js';
export { runTask } from './runTask.js';
export { ADAPTERS, classify, classifyProbabilities, classifyResult, multilabel, extract, ner, nerSchema, generate, summarize, limitWords } from './adapters/index.js';
export { prepareInput, premappedInput, renderPrompt, labelFields, type PreparedInput } from './prepare.js';
export { scoreLabels, softmax, logSumExp, fitTemperature, type LabelScoring } from './scoring.js';
export { alignEntities, type AlignedEntity, type AlignResult, type EntityCandidate } from './align.js';
export { jsonSchemaIssues } from './validateJson.js';
export { headFor, headProbabilities } from './head.js';
export { taskSafety, packPolicy, safetyInput, safetyOutput, withInputTrace, type TaskSafety, type InputStage } from './safety.js';
export { loadPolicyRef, resolvePolicyRef, builtinPolicyDir, builtinPolicyNames, isPolicyPath } from './policyRef.js';
export { appliedRewrites, applyRewrites, maskMapped, type AppliedRewrite } from './safetyMap.js';
