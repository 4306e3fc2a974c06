import { describe, expect, it } from 'vitest';
import { batchLossGrad, initDense } from '../../../src/tasks/heads/dense.js';
import { lossFor, type HeadKind } from '../../../src/tasks/heads/losses.js';
import { headMetrics } from '../../../src/tasks/heads/metrics.js';
import { Prng } from '../../../src/tasks/heads/prng.js';
import { evaluateDense, trainDense, type Dataset } from '../../../src/tasks/heads/train.js';

const DIM = 32;

/** Random unit-ish embeddings labelled by a fixed linear rule. */
function synthetic(kind: HeadKind, n: number, k: number, seed: number, rule: Float64Array): Dataset {
  const rng = new Prng(seed);
  const X = new Float64Array(n * DIM);
  for (let i = 0; i < X.length; i++) X[i] = rng.normal();
  const Y = new Float64Array(n * k);
  for (let r = 0; r < n; r++) {
    const z: number[] = [];
    for (let o = 0; o < k; o++) {
      let s = 0;
      for (let i = 0; i < DIM; i++) s += rule[o * DIM + i]! * X[r * DIM + i]!;
      z.push(s);
    }
    if (kind === 'linear') z.forEach((v, o) => (Y[r * k + o] = v + 0.5));
    else if (kind === 'sigmoid') z.forEach((v, o) => (Y[r * k + o] = v > 0 ? 1 : 0));
    else Y[r * k + z.indexOf(Math.max(...z))] = 1;
  }
  return { X, Y, n };
}

function ruleFor(k: number, seed: number): Float64Array {
  const rng = new Prng(seed);
  return Float64Array.from({ length: k * DIM }, () => rng.normal());
}

describe('trainDense', () => {
  it('recovers a known linear rule (softmax, 3 classes): dev accuracy ~1.0', () => {
    const rule = ruleFor(3, 7);
    const train = synthetic('softmax', 1500, 3, 1, rule);
    const dev = synthetic('softmax', 300, 3, 2, rule);
    const res = trainDense(train, dev, { kind: 'softmax', inputDim: DIM, outputDim: 3, epochs: 60, lr: 0.05, weightDecay: 0, seed: 3, patience: 60 });
    const { outputs } = evaluateDense('softmax', res.params, devStd(dev, res), dev.Y, dev.n);
    expect(headMetrics('softmax', outputs, dev.Y, dev.n, 3).accuracy).toBeGreaterThanOrEqual(0.97);
  });

  it('recovers a multi-label rule (sigmoid) and a regression (linear)', () => {
    const rs = ruleFor(4, 11);
    const tr = synthetic('sigmoid', 1500, 4, 1, rs);
    const dv = synthetic('sigmoid', 300, 4, 2, rs);
    const r1 = trainDense(tr, dv, { kind: 'sigmoid', inputDim: DIM, outputDim: 4, epochs: 60, lr: 0.05, weightDecay: 0, patience: 60 });
    const o1 = evaluateDense('sigmoid', r1.params, devStd(dv, r1), dv.Y, dv.n).outputs;
    expect(headMetrics('sigmoid', o1, dv.Y, dv.n, 4).microF1).toBeGreaterThanOrEqual(0.96);

    const rl = ruleFor(1, 5);
    const tl = synthetic('linear', 800, 1, 1, rl);
    const dl = synthetic('linear', 200, 1, 2, rl);
    const r2 = trainDense(tl, dl, { kind: 'linear', inputDim: DIM, outputDim: 1, epochs: 200, lr: 0.05, weightDecay: 0, patience: 200 });
    const o2 = evaluateDense('linear', r2.params, devStd(dl, r2), dl.Y, dl.n).outputs;
    let varY = 0;
    for (let i = 0; i < dl.n; i++) varY += (dl.Y[i]! - 0.5) ** 2 / dl.n;
    expect(headMetrics('linear', o2, dl.Y, dl.n, 1).mse / varY).toBeLessThan(0.01);
  });

  it.each(['softmax', 'sigmoid', 'linear', 'token'] as HeadKind[])('loss falls on a fixed batch (%s)', (kind) => {
    const k = 3;
    const data = synthetic(kind === 'token' ? 'softmax' : kind, 16, k, 4, ruleFor(k, 9));
    const res = trainDense(data, undefined, { kind, inputDim: DIM, outputDim: k, epochs: 30, batchSize: 16, lr: 0.05, weightDecay: 0 });
    const losses = res.history.map((h) => h.trainLoss);
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! * 0.5);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const rule = ruleFor(2, 1);
    const data = synthetic('softmax', 200, 2, 1, rule);
    const run = (seed: number) => trainDense(data, undefined, { kind: 'softmax', inputDim: DIM, outputDim: 2, epochs: 3, seed }).params.weights;
    expect(Array.from(run(5))).toEqual(Array.from(run(5)));
    expect(Array.from(run(5))).not.toEqual(Array.from(run(6)));
  });

  it('stops early when the dev loss stops improving and keeps the best epoch', () => {
    const rule = ruleFor(2, 1);
    const train = synthetic('softmax', 40, 2, 1, rule);
    // dev labels are noise: the dev loss soon rises
    const dev = synthetic('softmax', 40, 2, 2, ruleFor(2, 99));
    const res = trainDense(train, dev, { kind: 'softmax', inputDim: DIM, outputDim: 2, epochs: 500, lr: 0.05, patience: 5 });
    expect(res.history.length).toBeLessThan(500);
    expect(res.history.length).toBe(res.bestEpoch + 5);
    const best = Math.min(...res.history.map((h) => h.devLoss!));
    expect(res.history[res.bestEpoch - 1]!.devLoss).toBe(best);
  });

  it('balanced class weights shift the decision toward a rare class', () => {
    const rng = new Prng(3);
    const n = 400;
    const X = new Float64Array(n * DIM);
    const Y = new Float64Array(n * 2);
    for (let r = 0; r < n; r++) {
      const rare = r % 10 === 0;
      for (let i = 0; i < DIM; i++) X[r * DIM + i] = rng.normal() + (i === 0 && rare ? 0.8 : 0);
      Y[r * 2 + (rare ? 1 : 0)] = 1;
    }
    const data = { X, Y, n };
    const recall = (cw?: 'balanced') => {
      const res = trainDense(data, undefined, { kind: 'softmax', inputDim: DIM, outputDim: 2, epochs: 20, classWeights: cw, standardize: false });
      const { outputs } = evaluateDense('softmax', res.params, X, Y, n);
      let hit = 0;
      for (let r = 0; r < n; r += 10) if (outputs[r * 2 + 1]! > outputs[r * 2]!) hit++;
      return hit / (n / 10);
    };
    expect(recall('balanced')).toBeGreaterThan(recall());
  });

  it('batchLossGrad averages over the batch', () => {
    const p = initDense(DIM, 2, new Prng(1));
    const d = synthetic('softmax', 4, 2, 1, ruleFor(2, 2));
    const gW = new Float64Array(p.weights.length);
    const gB = new Float64Array(2);
    const all = batchLossGrad(p, lossFor('softmax'), d.X, d.Y, [0, 1, 2, 3], {}, gW, gB);
    const parts = [0, 1, 2, 3].map((i) => batchLossGrad(p, lossFor('softmax'), d.X, d.Y, [i], {}, gW, gB));
    expect(all).toBeCloseTo(parts.reduce((a, b) => a + b) / 4, 12);
  });
});

/** The dev rows standardized like the head's training set. */
function devStd(dev: Dataset, res: { standardization: { mean: Float64Array; std: Float64Array } | null }): Float64Array {
  const X = Float64Array.from(dev.X);
  const st = res.standardization;
  if (!st) return X;
  for (let r = 0; r < dev.n; r++) for (let i = 0; i < DIM; i++) X[r * DIM + i] = (X[r * DIM + i]! - st.mean[i]!) / st.std[i]!;
  return X;
}
