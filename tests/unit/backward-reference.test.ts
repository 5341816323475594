/**
 * The float64 gradient references (src/gpu/backward/reference.ts) against central finite
 * differences of the forward references, on small random problems: every input element of q, k, v
 * (and g for the gated family) is nudged by +-1e-5 in float64 and the loss L = sum dO * y
 * re-evaluated. The backward kernels are checked against these references on the GPU.
 */
import { describe, expect, it } from 'vitest';
import {
  referenceLinearGradients,
  referenceSoftmaxGradients,
  type AttentionGradients,
} from '../../src/gpu/backward/reference.ts';
import { referenceLinearAttentionQuadratic } from '../../src/gpu/forms/linear/reference.ts';
import { referenceSoftmaxAttention } from '../../src/gpu/forms/softmax/reference.ts';
import type { AttentionProblem, FeatureMap } from '../../src/gpu/types.ts';

const STEP = 1e-5;

function random(n: number, lo = -1, hi = 1): Float64Array {
  return Float64Array.from({ length: n }, () => lo + (hi - lo) * Math.random());
}

/** The problem with float64 inputs (the forward references only read them). */
function problemOf(
  heads: number,
  tokens: number,
  dim: number,
  arrays: Record<'q' | 'k' | 'v', Float64Array> & { logDecay?: Float64Array },
): AttentionProblem {
  return { heads, tokens, dim, ...arrays } as unknown as AttentionProblem;
}

/** Central differences of L = sum dOut * forward(...) for every element of every input. */
function finiteDifferences(
  inputs: Record<string, Float64Array>,
  loss: () => number,
): Record<string, Float64Array> {
  const grads: Record<string, Float64Array> = {};
  for (const [name, values] of Object.entries(inputs)) {
    const grad = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const x = values[i]!;
      values[i] = x + STEP;
      const up = loss();
      values[i] = x - STEP;
      const down = loss();
      values[i] = x;
      grad[i] = (up - down) / (2 * STEP);
    }
    grads[name] = grad;
  }
  return grads;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * ||actual - expected|| / max(||expected||, 1e-3): relative, except where a gradient is zero by
 * symmetry (softmax's dq at T = 1, gated dg at T = 1) and differences only see rounding.
 */
function relative(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < expected.length; i++) {
    diff += (actual[i]! - expected[i]!) ** 2;
    norm += expected[i]! ** 2;
  }
  return Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-3);
}

function expectClose(analytic: AttentionGradients, numeric: Record<string, Float64Array>): void {
  for (const [name, grad] of Object.entries(numeric)) {
    const mine = analytic[name as keyof AttentionGradients];
    expect(mine, name).toBeDefined();
    expect(
      relative(mine!, grad),
      `${name}: ${Array.from(grad.slice(0, 4))} vs ${Array.from(mine!.slice(0, 4))}`,
    ).toBeLessThan(1e-6);
  }
}

describe('float64 attention gradients', () => {
  it.each([1, 2, 7])(
    'softmax gradients match finite differences (H=2, T=%i, d=4, logits scaled x3)',
    (tokens) => {
      const [H, d] = [2, 4];
      const inputs = {
        q: random(H * tokens * d, -3, 3),
        k: random(H * tokens * d),
        v: random(H * tokens * d),
      };
      const dOut = random(H * tokens * d);
      const problem = problemOf(H, tokens, d, inputs);
      const numeric = finiteDifferences(inputs, () =>
        dot(dOut, referenceSoftmaxAttention(problem)),
      );
      expectClose(referenceSoftmaxGradients(problem, dOut), numeric);
    },
  );

  it('sampled softmax rows equal the same rows of the full gradients', () => {
    const [H, T, d] = [2, 9, 4];
    const inputs = { q: random(H * T * d), k: random(H * T * d), v: random(H * T * d) };
    const dOut = random(H * T * d);
    const problem = problemOf(H, T, d, inputs);
    const full = referenceSoftmaxGradients(problem, dOut);
    const part = referenceSoftmaxGradients(problem, dOut, {
      heads: [1],
      queryRows: [0, 5],
      keyRows: [7, 8],
    });
    for (const [rows, names] of [
      [[0, 5], ['q']],
      [
        [7, 8],
        ['k', 'v'],
      ],
    ] as const) {
      for (const row of rows) {
        for (const name of names) {
          const at = (T + row) * d;
          expect(Array.from(part[name].subarray(at, at + d))).toEqual(
            Array.from(full[name].subarray(at, at + d)),
          );
        }
      }
    }
  });

  const linearCases: [FeatureMap, boolean, boolean][] = [
    ['softplus', true, false],
    ['identity', false, false],
    ['elu1', true, false],
    ['softplus', true, true],
    ['identity', false, true],
  ];
  it.each(linearCases)(
    'linear gradients (phi=%s, normalise=%s, gated=%s) match finite differences at T = 1 and 6',
    (featureMap, normalize, gated) => {
      for (const tokens of [1, 6]) {
        const [H, d] = [2, 4];
        const n = H * tokens * d;
        // Positive q, k with the identity map keep the normaliser away from zero.
        const lo = featureMap === 'identity' && normalize ? 0 : -1;
        const inputs: Record<string, Float64Array> = {
          q: random(n, lo),
          k: random(n, lo),
          v: random(n),
        };
        if (gated) inputs.logDecay = random(H * tokens, -2, 0);
        const dOut = random(n);
        const options = { featureMap, normalize };
        const problem = problemOf(H, tokens, d, inputs as Record<'q' | 'k' | 'v', Float64Array>);
        const numeric = finiteDifferences(inputs, () =>
          dot(dOut, referenceLinearAttentionQuadratic(problem, options, inputs.logDecay)),
        );
        expectClose(referenceLinearGradients(problem, options, dOut), numeric);
      }
    },
  );
});
