/**
 * The one layer every head is made of: logits = W · standardize(x) + b, with W stored row-major
 * (outputDim rows of inputDim). Plus the AdamW optimizer that trains it.
 */
import type { Loss } from './losses.js';
import type { Prng } from './prng.js';

/** Weights and bias of a dense layer. */
export interface DenseParams {
  inputDim: number;
  outputDim: number;
  /** outputDim x inputDim, row-major. */
  weights: Float64Array;
  bias: Float64Array;
}

/** Per-feature mean and standard deviation learned on the training set, applied before the layer. */
export interface Standardization {
  mean: Float64Array;
  std: Float64Array;
}

/**
 * Small random weights (normal, std 1/sqrt(inputDim) * 0.1) and zero bias, deterministic for the PRNG's seed.
 *
 * @example
 * const p = initDense(64, 3, new Prng(0))
 */
export function initDense(inputDim: number, outputDim: number, rng: Prng): DenseParams {
  const weights = new Float64Array(inputDim * outputDim);
  const scale = 0.1 / Math.sqrt(inputDim);
  for (let i = 0; i < weights.length; i++) weights[i] = rng.normal() * scale;
  return { inputDim, outputDim, weights, bias: new Float64Array(outputDim) };
}

/**
 * Writes W·x + b into `out` (x already standardized).
 *
 * @example
 * const out = new Float64Array(p.outputDim); logitsInto(p, x, 0, out)
 */
export function logitsInto(p: DenseParams, x: ArrayLike<number>, offset: number, out: Float64Array): void {
  const { inputDim, outputDim, weights, bias } = p;
  for (let o = 0; o < outputDim; o++) {
    let s = bias[o]!;
    const row = o * inputDim;
    for (let i = 0; i < inputDim; i++) s += weights[row + i]! * (x[offset + i] as number);
    out[o] = s;
  }
}

/**
 * Computes the mean and standard deviation of each of `dim` features over `n` rows of X (row-major).
 * A feature with (near) zero spread gets std 1 so it passes through unscaled.
 *
 * @example
 * const st = fitStandardization(X, n, dim); applyStandardization(st, X, n)
 */
export function fitStandardization(X: Float64Array, n: number, dim: number): Standardization {
  const mean = new Float64Array(dim);
  const std = new Float64Array(dim);
  for (let r = 0; r < n; r++) for (let i = 0; i < dim; i++) mean[i] = mean[i]! + X[r * dim + i]! / n;
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < dim; i++) {
      const d = X[r * dim + i]! - mean[i]!;
      std[i] = std[i]! + (d * d) / n;
    }
  }
  for (let i = 0; i < dim; i++) std[i] = std[i]! > 1e-12 ? Math.sqrt(std[i]!) : 1;
  return { mean, std };
}

/**
 * Standardizes n rows of X in place.
 *
 * @example
 * applyStandardization(st, X, n)
 */
export function applyStandardization(st: Standardization, X: Float64Array, n: number): void {
  const dim = st.mean.length;
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < dim; i++) X[r * dim + i] = (X[r * dim + i]! - st.mean[i]!) / st.std[i]!;
  }
}

/** Optional per-example weights (class weights) and per-output positive weights (sigmoid). */
export interface LossWeights {
  sample?: Float64Array;
  positive?: Float64Array;
}

/**
 * Mean loss over the rows `idx` of (X, Y) and its gradient, written into gradW/gradB (overwritten).
 *
 * @example
 * const loss = batchLossGrad(p, lossFor('softmax'), X, Y, idx, {}, gW, gB)
 */
export function batchLossGrad(
  p: DenseParams,
  loss: Loss,
  X: Float64Array,
  Y: Float64Array,
  idx: ArrayLike<number>,
  weights: LossWeights,
  gradW: Float64Array,
  gradB: Float64Array,
): number {
  const { inputDim, outputDim } = p;
  gradW.fill(0);
  gradB.fill(0);
  const logits = new Float64Array(outputDim);
  const dl = new Float64Array(outputDim);
  const target = new Float64Array(outputDim);
  let total = 0;
  const m = idx.length;
  for (let k = 0; k < m; k++) {
    const r = idx[k]!;
    logitsInto(p, X, r * inputDim, logits);
    for (let o = 0; o < outputDim; o++) target[o] = Y[r * outputDim + o]!;
    total += loss.lossGrad(logits, target, dl, weights.sample ? weights.sample[r]! : 1, weights.positive);
    for (let o = 0; o < outputDim; o++) {
      const g = dl[o]! / m;
      if (g === 0) continue;
      gradB[o] = gradB[o]! + g;
      const row = o * inputDim;
      const xo = r * inputDim;
      for (let i = 0; i < inputDim; i++) gradW[row + i] = gradW[row + i]! + g * X[xo + i]!;
    }
  }
  return total / m;
}

/**
 * AdamW (Loshchilov & Hutter): Adam moments with decoupled weight decay, bias-corrected.
 *
 * @example
 * const opt = new AdamW(w.length, { lr: 1e-2, weightDecay: 1e-2 }); opt.step(w, grad)
 */
export class AdamW {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;

  constructor(
    size: number,
    private readonly opts: { lr: number; weightDecay: number; beta1?: number; beta2?: number; eps?: number },
  ) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  /** One update of `params` in place from `grad`. */
  step(params: Float64Array, grad: Float64Array): void {
    const { lr, weightDecay } = this.opts;
    const b1 = this.opts.beta1 ?? 0.9;
    const b2 = this.opts.beta2 ?? 0.999;
    const eps = this.opts.eps ?? 1e-8;
    this.t++;
    const c1 = 1 - Math.pow(b1, this.t);
    const c2 = 1 - Math.pow(b2, this.t);
    for (let i = 0; i < params.length; i++) {
      const g = grad[i]!;
      const m = (this.m[i] = b1 * this.m[i]! + (1 - b1) * g);
      const v = (this.v[i] = b2 * this.v[i]! + (1 - b2) * g * g);
      params[i] = params[i]! - lr * weightDecay * params[i]! - (lr * (m / c1)) / (Math.sqrt(v / c2) + eps);
    }
  }
}
