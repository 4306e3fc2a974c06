/**
 * The public library API of onramp. Everything a Node app needs is exported from here, nothing else.
 */
export * from './errors.js';
export type * from './engine/types.js';
export * from './gguf/index.js';
export { Model, type ModelLoadOptions, type MetadataOverride } from './engine/Model.js';
export { quantize, ftypeName, QUANT_TYPES, type QuantType, type QuantizeOptions, type QuantizeProgress, type QuantizeResult } from './engine/quantize.js';
export { listDevices, systemInfo, type DeviceInfo, type SystemInfo } from './engine/devices.js';
export { createApp, PUBLIC_PATHS } from './server/app.js';
export { startServer, checkBindSafety, type RunningServer } from './server/serve.js';
export { openRuntime, defaultModelPath, type Runtime } from './server/runtime.js';
export { createLifecycle, type Lifecycle } from './server/lifecycle.js';
export { toHttpError, type ErrorEnvelope, type HttpError } from './server/errors.js';
export type { ServerDeps, AppOptions, TaskService, TaskSummary, TaskRunOutput, SafetyService, SafetyFinding, SafetyScanOutput, SafetyMaskOutput, AdapterService, AdapterInfo } from './server/deps.js';
export { loadServeConfig, configFromEnv, readConfigFile, parseSize, parseDuration, isLoopback, ServeConfigSchema, type ServeConfig, type ServeConfigInput } from './config/index.js';
export { createLogger } from './logging.js';
export { pullModel, resolveSource, type PullOptions, type PullResult } from './cli/commands/pull.js';
export * from './preprocess/index.js';
export {
  classificationReport, reportToDict, formatReport, prfFromCounts, pyFixed, confusionMatrix, formatConfusionMatrix,
  entityReport, tokenReport, tokenAccuracy, getEntities, getEntitiesStrictIob2, readConll as readConllText, parseDelimited as parseDelimitedText,
  readDelimited, readJsonl, loadDataset, parseLabelMap as parseLabelMapSpec, BowLogisticRegression, SparseSoftmax, trainTokenTagger, bowFeatures,
  type ClassificationReport, type ReportOptions, type Scores, type LabelScores, type ZeroDivision, type ConfusionMatrix, type EntityReport,
  type EntityChunk, type NerMode, type ConllSentence, type TextExample, type Dataset as LabelledDataset, type LoadOptions, type BowOptions,
} from './eval/index.js';
export {
  TaskPackSchema, TASK_KINDS, defaultVerbalizer, validatePack, loadPackFile, parsePackText, TaskRegistry, resolvePackArg, builtinTaskDir,
  runTask, ADAPTERS, classify, classifyProbabilities, multilabel, extract, ner, nerSchema, generate, summarize, limitWords,
  prepareInput, scoreLabels, fitTemperature, alignEntities, jsonSchemaIssues,
  type TaskKind, type TaskPack, type TaskPackFile, type ResolvedLabel, type RegistryOptions, type ReloadInfo, type TaskInput, type TaskResult,
  type ClassifyResult, type MultilabelResult, type ExtractResult, type NerResult, type NerEntity, type GenerateTaskResult, type HeadRunnerLike,
  type RunTaskOptions, type Explanation as TaskExplanation, type LabelScore as TaskLabelScore,
} from './tasks/index.js';
export { evaluateClassification, evaluateNer, fitPackTemperature, promptPredictor, headPredictor, entitiesToTags, type ClassPredictor, type ClassificationEval, type NerEval } from './tasks/evaluate.js';
export { Engine, type EngineModel } from './engine/Engine.js';
export { resolveEngineOptions, type EngineOptions, type ResolvedEngineOptions } from './engine/options.js';
export { StopMatcher, checkJsonSchema } from './engine/sampling.js';
export {
  scan, scanAsync, mask, maskAsync, restore, checkInput, checkOutput, compilePolicy, throwIfBlocked, loadPolicy, parsePolicy, resolvePolicy,
  defaultPolicy, SafetyPolicySchema, SafetyScanner, Vault, RULE_FACTORIES, PatternRule, PhraseRule, createNerEntitiesRule, createSafetyService,
  setSafetyLogger,
  type PolicyInput, type PolicySelector, type MaskResult, type OutputCheck, type SafetyPolicy, type ResolvedPolicy, type CompileOptions,
  type RuleFactory, type NerFunction, type NerEntity as SafetyNerEntity, type SafetyAction, type Rule as SafetyRule, type AsyncRule as SafetyAsyncRule,
  type Finding as SafetyRuleFinding, type SafetyFinding as SafetyDecision, type SafetyTraceEntry, type ScanResult as SafetyScanResult,
} from './safety/index.js';
export {
  HeadRunner, outputsToPrediction, fitHead, fitTokenHead, inferLabels, trainDense, evaluateDense, makeHead, headOutputs, headToJson, headFromJson,
  saveHead, loadHead, fileSha256, modelIdentity, assertSameModel, cacheDir, EmbeddingCache, embedMany, tokenCharOffsets, alignWordTags, decodeBio,
  wordUnits, occludedTexts, rankWords, headMetrics, accuracyMacroF1, lossFor, AdamW, Prng,
  type Head, type HeadKind, type HeadPrediction, type HeadRunnerOptions, type PredictOptions, type FitOptions, type FitResult, type TrainOptions,
  type TrainResult, type EpochStats, type Dataset as HeadDataset, type DenseParams, type Standardization, type ModelIdentity, type EmbeddingRows,
  type Entity as HeadEntity, type Span as CharSpan, type Explanation as HeadExplanation, type WordImportance, type LabelScore as HeadLabelScore,
} from './tasks/heads/index.js';
export {
  extractSlots, CustomerServiceRouter, SentimentMonitor, Recommender, engineEmbedder, pairFeatures, trainClickHead, headClassifier, promptClassifier,
  loadRouterConfig, loadMonitorConfig, loadRecommendConfig,
  type Slots, type SlotMatch, type Amount, type SlotOptions, type IntentClassifier, type IntentConfig, type IntentScore, type RouterConfig,
  type RouteResult, type Alert as MonitorAlert, type Classified as MonitorClassified, type MonitorItem, type MonitorOptions, type MonitorConfig,
  type SentimentClassifier, type SentimentScore, type TopicStats, type ClickExample, type Embedder, type HistoryEntry, type Item as RecommendItem,
  type Ranked as RankedItem,
} from './apps/index.js';
export { LoraRegistry, type LoraAdapterInfo, type LoraLease, type LoraBase } from './engine/LoraRegistry.js';
export { parseLoraSpec, normalizeLoraSelection, assertLoraName, type LoraSpec } from './engine/lora.js';
export { inspectLoraFile, checkLoraAgainstBase, type LoraFileInfo, type LoraTarget } from './engine/loraCheck.js';
export { createGenerationGuard, type GuardFactory, type InputGuard, type GuardTraceEntry, type GuardBlock, type OutputVerdict, type StreamRestorer } from './server/guard.js';
export { safetyService, taskService, loadOptionalLayers } from './server/layers.js';
export { evaluateMultilabel, multilabelPredictor, type MultilabelPredictor, type MultilabelPrediction, type MultilabelEval } from './tasks/evaluateMultilabel.js';
export { evaluateExtract, extractFields, type ExtractPrediction, type ExtractEval } from './tasks/evaluateExtract.js';
export { extractReport, valuesMatch, schemaFields, type ExtractReport, type ExtractRow, type FieldScore } from './eval/extractReport.js';
export { multilabelConfusion, formatMultilabelConfusion, loadRecordDataset, type MultilabelConfusion, type RecordExample } from './eval/index.js';
export { nerSchemaProblem, withLabelEnum, nerOutputIssues } from './tasks/nerOutputSchema.js';
export { jsonSchemaIssueList, type JsonSchemaIssue } from './tasks/validateJson.js';
export { taskSafety, packPolicy, safetyInput, safetyOutput, type TaskSafety, type InputStage } from './tasks/safety.js';
export { loadPolicyRef, resolvePolicyRef, builtinPolicyDir, builtinPolicyNames, isPolicyPath } from './tasks/policyRef.js';
export { premappedInput } from './tasks/prepare.js';
export type { TaskSafetyTraceEntry } from './tasks/types.js';
export { taskClassifier } from './apps/classifiers.js';
export { nerHookFromTask, type NerHookOptions } from './apps/nerHook.js';
export { serverNerHook } from './server/nerSafety.js';
export { policyEnablesRule, withoutRules } from './safety/policy.js';
export type { ReportZeroDivision } from './eval/classificationReport.js';
export { assertHeadFits } from './tasks/head.js';
export { nerWithHead, assertNerHead } from './tasks/nerHead.js';
