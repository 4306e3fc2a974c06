/**
 * Mini-batch AdamW training of a dense head with class weights and early stopping on a dev split.
 * Deterministic for a seed: the seeded PRNG drives both initialisation and shuffling.
 */
import { InvalidArgumentError } from '../../errors.js';
import {
  AdamW,
  applyStandardization,
  batchLossGrad,
  fitStandardization,
  initDense,
  logitsInto,
  type DenseParams,
  type LossWeights,
  type Standardization,
} from './dense.js';
import { lossFor, type HeadKind } from './losses.js';
import { Prng } from './prng.js';

/** A design matrix: n rows of `dim` features and n rows of `outputDim` targets (one-hot, multi-hot or values). */
export interface Dataset {
  X: Float64Array;
  Y: Float64Array;
  n: number;
}

/** What the training loop reports after each epoch. */
export interface EpochStats {
  epoch: number;
  trainLoss: number;
  devLoss: number | undefined;
  /** Whatever `options.metrics` computed on the dev outputs. */
  devMetrics: Record<string, number> | undefined;
  /** True when this epoch's dev loss is the best so far (its parameters are kept). */
  best: boolean;
}

export interface TrainOptions {
  kind: HeadKind;
  inputDim: number;
  outputDim: number;
  /** Maximum epochs (default 100). */
  epochs?: number;
  /** Learning rate (default 0.01). */
  lr?: number;
  /** Decoupled weight decay (default 0.01). */
  weightDecay?: number;
  /** Mini-batch size (default 32). */
  batchSize?: number;
  /** Seed of the PRNG for init and shuffling (default 0). */
  seed?: number;
  /** Stop after this many epochs without a better dev loss (default 10). */
  patience?: number;
  /** 'balanced' (n / (k · count)) or an explicit weight per output; softmax/token weight examples, sigmoid positives. */
  classWeights?: 'balanced' | number[] | undefined;
  /** Standardize features with train mean/std, stored with the head (default true). */
  standardize?: boolean;
  /** Dev metrics from the dev outputs (n x outputDim activations) and targets. */
  metrics?: (outputs: Float64Array, targets: Float64Array, n: number) => Record<string, number>;
  onEpoch?: (stats: EpochStats) => void;
}

export interface TrainResult {
  params: DenseParams;
  standardization: Standardization | null;
  history: EpochStats[];
  /** The epoch whose parameters were kept (the last one without a dev split). */
  bestEpoch: number;
}

function lossWeights(kind: HeadKind, Y: Float64Array, n: number, k: number, cw: TrainOptions['classWeights']): LossWeights {
  if (cw === undefined || kind === 'linear') return {};
  const pos = new Float64Array(k);
  for (let r = 0; r < n; r++) for (let o = 0; o < k; o++) pos[o] = pos[o]! + Y[r * k + o]!;
  let w: Float64Array;
  if (cw === 'balanced') {
    w = new Float64Array(k);
    for (let o = 0; o < k; o++) {
      if (kind === 'sigmoid') w[o] = pos[o]! > 0 ? Math.min(100, (n - pos[o]!) / pos[o]!) : 1;
      else w[o] = pos[o]! > 0 ? n / (k * pos[o]!) : 0;
    }
  } else {
    if (cw.length !== k) throw new InvalidArgumentError('classWeights', `expected ${k} weights, got ${cw.length}`);
    w = Float64Array.from(cw);
  }
  if (kind === 'sigmoid') return { positive: w };
  const sample = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let o = 0; o < k; o++) s += Y[r * k + o]! * w[o]!;
    sample[r] = s;
  }
  return { sample };
}

/**
 * Outputs (activations) of a dense head for n standardized rows, plus the mean loss against Y.
 *
 * @example
 * const { outputs, loss } = evaluateDense('softmax', params, dev.X, dev.Y, dev.n)
 */
export function evaluateDense(kind: HeadKind, p: DenseParams, X: Float64Array, Y: Float64Array, n: number): { outputs: Float64Array; loss: number } {
  const loss = lossFor(kind);
  const outputs = new Float64Array(n * p.outputDim);
  const logits = new Float64Array(p.outputDim);
  const act = new Float64Array(p.outputDim);
  const d = new Float64Array(p.outputDim);
  let total = 0;
  for (let r = 0; r < n; r++) {
    logitsInto(p, X, r * p.inputDim, logits);
    loss.activate(logits, act);
    outputs.set(act, r * p.outputDim);
    total += loss.lossGrad(logits, Y.subarray(r * p.outputDim, (r + 1) * p.outputDim), d, 1);
  }
  return { outputs, loss: n > 0 ? total / n : 0 };
}

/**
 * Trains a dense head. X rows of train (and dev) are copied and standardized; the inputs are not modified.
 *
 * @example
 * const res = trainDense({ X, Y, n }, dev, { kind: 'softmax', inputDim: 64, outputDim: 2, seed: 1 })
 * res.params.weights // Float64Array(2 * 64)
 */
export function trainDense(train: Dataset, dev: Dataset | undefined, opts: TrainOptions): TrainResult {
  const { kind, inputDim, outputDim } = opts;
  const epochs = opts.epochs ?? 100;
  const batchSize = Math.max(1, opts.batchSize ?? 32);
  const patience = opts.patience ?? 10;
  if (train.n === 0) throw new InvalidArgumentError('data', 'the training set is empty');
  if (train.X.length !== train.n * inputDim) throw new InvalidArgumentError('data', `X has ${train.X.length} values, expected ${train.n} x ${inputDim}`);
  const X = Float64Array.from(train.X);
  const devX = dev && dev.n > 0 ? Float64Array.from(dev.X) : undefined;
  let standardization: Standardization | null = null;
  if (opts.standardize ?? true) {
    standardization = fitStandardization(X, train.n, inputDim);
    applyStandardization(standardization, X, train.n);
    if (devX && dev) applyStandardization(standardization, devX, dev.n);
  }
  const rng = new Prng(opts.seed ?? 0);
  const params = initDense(inputDim, outputDim, rng);
  const loss = lossFor(kind);
  const weights = lossWeights(kind, train.Y, train.n, outputDim, opts.classWeights);
  const optW = new AdamW(params.weights.length, { lr: opts.lr ?? 0.01, weightDecay: opts.weightDecay ?? 0.01 });
  const optB = new AdamW(params.bias.length, { lr: opts.lr ?? 0.01, weightDecay: 0 });
  const gradW = new Float64Array(params.weights.length);
  const gradB = new Float64Array(params.bias.length);
  const history: EpochStats[] = [];
  let best = { loss: Infinity, epoch: 0, weights: params.weights.slice(), bias: params.bias.slice() };
  let sinceBest = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const order = rng.permutation(train.n);
    let sum = 0;
    for (let s = 0; s < train.n; s += batchSize) {
      const idx = order.subarray(s, Math.min(train.n, s + batchSize));
      sum += batchLossGrad(params, loss, X, train.Y, idx, weights, gradW, gradB) * idx.length;
      optW.step(params.weights, gradW);
      optB.step(params.bias, gradB);
    }
    const stats: EpochStats = { epoch, trainLoss: sum / train.n, devLoss: undefined, devMetrics: undefined, best: false };
    if (devX && dev) {
      const ev = evaluateDense(kind, params, devX, dev.Y, dev.n);
      stats.devLoss = ev.loss;
      if (opts.metrics) stats.devMetrics = opts.metrics(ev.outputs, dev.Y, dev.n);
      if (ev.loss < best.loss - 1e-9) {
        best = { loss: ev.loss, epoch, weights: params.weights.slice(), bias: params.bias.slice() };
        stats.best = true;
        sinceBest = 0;
      } else sinceBest++;
    } else {
      best = { loss: stats.trainLoss, epoch, weights: params.weights.slice(), bias: params.bias.slice() };
      stats.best = true;
    }
    history.push(stats);
    opts.onEpoch?.(stats);
    if (devX && sinceBest >= patience) break;
  }
  params.weights.set(best.weights);
  params.bias.set(best.bias);
  return { params, standardization, history, bestEpoch: best.epoch };
}
