/**
 * Output activations and losses of the dense heads. Every loss works on one example: it turns the head's logits
 * into outputs (probabilities or values), returns the example's loss and writes d(loss)/d(logits).
 * Targets are dense vectors of the output size: one-hot (softmax), multi-hot (sigmoid), values (linear).
 */

/** The kinds of trainable head. `token` is a softmax over BIO tags applied to every token vector. */
export type HeadKind = 'softmax' | 'sigmoid' | 'linear' | 'token';

/** One example's loss and gradient, as a head kind defines it. */
export interface Loss {
  /** Writes the head outputs for `logits` into `out` (same length). */
  activate(logits: Float64Array, out: Float64Array): void;
  /**
   * Returns weight * loss(logits, target) and writes weight * d(loss)/d(logits) into `dlogits`.
   * `posWeight` (sigmoid only) multiplies the loss of each label's positive term.
   */
  lossGrad(logits: Float64Array, target: Float64Array, dlogits: Float64Array, weight: number, posWeight?: Float64Array): number;
}

/**
 * Numerically stable softmax of `logits` into `out`.
 *
 * @example
 * const p = new Float64Array(2); softmaxInto(Float64Array.of(0, 0), p) // [0.5, 0.5]
 */
export function softmaxInto(logits: Float64Array, out: Float64Array): void {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const e = Math.exp(logits[i]! - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < logits.length; i++) out[i] = out[i]! / sum;
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** log(1 + exp(z)) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

const crossEntropy: Loss = {
  activate: softmaxInto,
  lossGrad(logits, target, dlogits, weight) {
    softmaxInto(logits, dlogits);
    let max = -Infinity;
    for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
    let sum = 0;
    for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i]! - max);
    const lse = max + Math.log(sum);
    let loss = 0;
    let tsum = 0;
    for (let i = 0; i < logits.length; i++) {
      const t = target[i]!;
      if (t !== 0) loss += t * (lse - logits[i]!);
      tsum += t;
    }
    // d/dz of sum_i t_i (lse - z_i) = tsum * p - t
    for (let i = 0; i < logits.length; i++) dlogits[i] = weight * (tsum * dlogits[i]! - target[i]!);
    return weight * loss;
  },
};

// BCE is averaged over labels, so its gradient is too.
const binaryCrossEntropy: Loss = {
  activate(logits, out) {
    for (let i = 0; i < logits.length; i++) out[i] = sigmoid(logits[i]!);
  },
  lossGrad(logits, target, dlogits, weight, posWeight) {
    const n = logits.length;
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const z = logits[i]!;
      const t = target[i]!;
      const pw = posWeight ? posWeight[i]! : 1;
      // -[pw * t * log s(z) + (1 - t) * log(1 - s(z))]
      loss += pw * t * softplus(-z) + (1 - t) * softplus(z);
      dlogits[i] = (weight * (-pw * t * (1 - sigmoid(z)) + (1 - t) * sigmoid(z))) / n;
    }
    return (weight * loss) / n;
  },
};

const meanSquaredError: Loss = {
  activate(logits, out) {
    out.set(logits);
  },
  lossGrad(logits, target, dlogits, weight) {
    let loss = 0;
    for (let i = 0; i < logits.length; i++) {
      const d = logits[i]! - target[i]!;
      loss += d * d;
      dlogits[i] = (weight * 2 * d) / logits.length;
    }
    return (weight * loss) / logits.length;
  },
};

/**
 * The loss of a head kind: cross-entropy (softmax, token), binary cross-entropy averaged over labels (sigmoid),
 * mean squared error (linear).
 *
 * @example
 * const loss = lossFor('softmax')
 * const d = new Float64Array(2)
 * loss.lossGrad(Float64Array.of(2, 0), Float64Array.of(1, 0), d, 1) // ≈ 0.127
 */
export function lossFor(kind: HeadKind): Loss {
  switch (kind) {
    case 'softmax':
    case 'token':
      return crossEntropy;
    case 'sigmoid':
      return binaryCrossEntropy;
    case 'linear':
      return meanSquaredError;
  }
}
