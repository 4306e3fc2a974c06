/**
 * Trainable heads on frozen embeddings: training, save/load with the base model's identity, the runner that
 * predicts with label probabilities and occlusion explanations, and the embedding cache.
 */
export { Prng } from './prng.js';
export { lossFor, softmaxInto, type HeadKind, type Loss } from './losses.js';
export { AdamW, batchLossGrad, initDense, logitsInto, fitStandardization, applyStandardization, type DenseParams, type Standardization, type LossWeights } from './dense.js';
export { trainDense, evaluateDense, type Dataset, type EpochStats, type TrainOptions, type TrainResult } from './train.js';
export { makeHead, headOutputs, headToJson, headFromJson, saveHead, loadHead, type Head } from './head.js';
export { fileSha256, modelIdentity, assertSameModel, cacheDir, type ModelIdentity } from './identity.js';
export { EmbeddingCache, embedMany, type EmbeddingRows, type EmbedManyOptions } from './embedCache.js';
export { tokenCharOffsets, alignWordTags, decodeBio, type Entity, type Span } from './bio.js';
export { wordUnits, occludedTexts, rankWords, type Explanation, type WordImportance } from './explain.js';
export { HeadRunner, outputsToPrediction, type HeadPrediction, type LabelScore, type HeadRunnerOptions, type PredictOptions } from './HeadRunner.js';
export { accuracyMacroF1, argmaxRows, headMetrics } from './metrics.js';
export { fitHead, fitTokenHead, inferLabels, type FitOptions, type FitResult } from './fit.js';
