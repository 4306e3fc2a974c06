import { describe, expect, it } from 'vitest';
import { batchLossGrad, initDense } from '../../../src/tasks/heads/dense.js';
import { lossFor, type HeadKind } from '../../../src/tasks/heads/losses.js';
import { Prng } from '../../../src/tasks/heads/prng.js';

describe('analytic gradients match central finite differences', () => {
  const cases: [HeadKind, boolean][] = [['softmax', false], ['softmax', true], ['sigmoid', false], ['sigmoid', true], ['linear', false], ['token', true]];
  it.each(cases)('%s (weighted: %s)', (kind, weighted) => {
    const rng = new Prng(42);
    const dim = 6;
    const k = 4;
    const n = 5;
    const p = initDense(dim, k, rng);
    for (let i = 0; i < p.weights.length; i++) p.weights[i] = rng.normal();
    for (let i = 0; i < k; i++) p.bias[i] = rng.normal();
    const X = Float64Array.from({ length: n * dim }, () => rng.normal());
    const Y = new Float64Array(n * k);
    for (let r = 0; r < n; r++) {
      if (kind === 'linear') for (let o = 0; o < k; o++) Y[r * k + o] = rng.normal();
      else if (kind === 'sigmoid') for (let o = 0; o < k; o++) Y[r * k + o] = rng.next() < 0.5 ? 1 : 0;
      else Y[r * k + (r % k)] = 1;
    }
    const weights = weighted
      ? kind === 'sigmoid'
        ? { positive: Float64Array.of(1, 2, 0.5, 3) }
        : { sample: Float64Array.from({ length: n }, (_, i) => 0.5 + i) }
      : {};
    const loss = lossFor(kind);
    const idx = [0, 1, 2, 3, 4];
    const gW = new Float64Array(p.weights.length);
    const gB = new Float64Array(k);
    batchLossGrad(p, loss, X, Y, idx, weights, gW, gB);
    const scratchW = new Float64Array(gW.length);
    const scratchB = new Float64Array(k);
    const f = () => batchLossGrad(p, loss, X, Y, idx, weights, scratchW, scratchB);
    const h = 1e-6;
    const check = (arr: Float64Array, grad: Float64Array) => {
      for (let i = 0; i < arr.length; i++) {
        const old = arr[i]!;
        arr[i] = old + h;
        const up = f();
        arr[i] = old - h;
        const down = f();
        arr[i] = old;
        const num = (up - down) / (2 * h);
        expect(Math.abs(num - grad[i]!)).toBeLessThan(1e-6 * Math.max(1, Math.abs(num)));
      }
    };
    check(p.weights, gW);
    check(p.bias, gB);
  });
});
