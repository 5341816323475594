/**
 * The training step's backward kernels (src/gpu/backward/) against the float64 gradient
 * references, on fresh random inputs and upstream gradients, every output poisoned with NaN
 * before the run (runAttentionBackward does it): the forward output and dq, dk, dv (and dg for
 * the gated form) within 1e-4 relative, over d = 16, 32, 64, 128, T = 1 and odd T.
 */
import { describe, expect, it } from 'vitest';
import {
  createAttentionTraining,
  referenceLinearGradients,
  referenceSoftmaxGradients,
  runAttentionBackward,
  type AttentionGradients,
  type BackwardResult,
} from '../../src/gpu/backward/index.ts';
import { referenceAttention } from '../../src/gpu/reference/index.ts';
import type { AttentionProblem, ResolvedOptions } from '../../src/gpu/types.ts';
import { drawProblem, linearOptions, relativeError } from './linear-helpers.ts';
import { gpu, randomArray, readyDevice } from './setup.ts';

const BOUND = 1e-4;

function norm(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]! ** 2;
  return Math.sqrt(s);
}

/**
 * ||actual - expected|| / max(||expected||, 1e-2 ||dOut||): relative, except for a gradient far
 * smaller than the upstream one, which float32 cannot resolve relatively and is then compared on
 * 1% of the upstream gradient's scale. That happens where it is zero up to the normaliser's eps:
 * dq of normalised attention over one token (T = 1, or decays near 0), softmax's dq at T = 1.
 */
function gradientError(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  dOut: ArrayLike<number>,
): number {
  if (actual.length !== expected.length) return Number.NaN;
  const diff = Array.from(expected, (e, i) => actual[i]! - e);
  return norm(diff) / Math.max(norm(expected), 1e-2 * norm(dOut));
}

describe.skipIf(!gpu)('attention backward kernels against the float64 gradients', async () => {
  const device = gpu ? (await readyDevice()).device : (null as unknown as GPUDevice);

  function expectMatches(
    what: string,
    actual: BackwardResult,
    problem: AttentionProblem,
    options: ResolvedOptions,
    expected: AttentionGradients,
    dOut: Float32Array,
  ): void {
    expect(
      relativeError(actual.out, referenceAttention(problem, options)),
      `${what} out`,
    ).toBeLessThanOrEqual(BOUND);
    expect(gradientError(actual.dq, expected.q, dOut), `${what} dq`).toBeLessThanOrEqual(BOUND);
    expect(gradientError(actual.dk, expected.k, dOut), `${what} dk`).toBeLessThanOrEqual(BOUND);
    expect(gradientError(actual.dv, expected.v, dOut), `${what} dv`).toBeLessThanOrEqual(BOUND);
    if (expected.logDecay) {
      // dg_0 sums everything after it; at T = 1 it is exactly 0 (phi(q).dphi(q) = phi(k).dphi(k)).
      const scale = problem.tokens === 1 ? 0 : 1;
      expect(actual.dLogDecay, `${what} dg`).toBeDefined();
      const error = relativeError(actual.dLogDecay!, expected.logDecay);
      expect(
        scale === 0 ? Math.max(...actual.dLogDecay!.map(Math.abs)) : error,
        `${what} dg`,
      ).toBeLessThanOrEqual(scale === 0 ? 1e-5 : BOUND);
    }
  }

  async function checkSoftmax(heads: number, tokens: number, dim: number, logitScale = 1) {
    const options = linearOptions('softmax-flash');
    const problem = {
      heads,
      tokens,
      dim,
      q: randomArray(heads * tokens * dim, logitScale),
      k: randomArray(heads * tokens * dim),
      v: randomArray(heads * tokens * dim),
    };
    const dOut = randomArray(heads * tokens * dim);
    const actual = await runAttentionBackward(device, { ...problem, dOut }, options);
    const what = `softmax-flash H=${heads} T=${tokens} d=${dim} x${logitScale}`;
    expectMatches(what, actual, problem, options, referenceSoftmaxGradients(problem, dOut), dOut);
  }

  async function checkLinear(
    tokens: number,
    dim: number,
    options: ResolvedOptions,
    decays?: readonly [number, number],
    heads = 1,
  ) {
    const base = drawProblem(heads, tokens, dim, options);
    const problem: AttentionProblem = decays
      ? {
          ...base,
          logDecay: Float32Array.from(
            { length: heads * tokens },
            () => decays[0] + (decays[1] - decays[0]) * Math.random(),
          ),
        }
      : base;
    const dOut = randomArray(heads * tokens * dim);
    const actual = await runAttentionBackward(device, { ...problem, dOut }, options);
    const what = `${options.form} T=${tokens} d=${dim} phi=${options.featureMap} normalize=${options.normalize} c=${options.chunkSize}${decays ? ` g in [${decays.join(', ')}]` : ''}`;
    expectMatches(
      what,
      actual,
      problem,
      options,
      referenceLinearGradients(problem, options, dOut),
      dOut,
    );
  }

  // One test per head dimension (each compiles its own pipelines, slow on SwiftShader); T = 1 once.
  const DIMS = [16, 32, 64, 128] as const;
  const lengths = (dim: number) => (dim === 16 ? [1, 65] : [65]);

  it.each(DIMS)('softmax-flash matches for d = %i at T = 65 (and T = 1 at d = 16)', async (dim) => {
    for (const tokens of lengths(dim)) await checkSoftmax(1, tokens, dim);
  });

  it('softmax-flash matches at T = 130 (d = 64) and with logits scaled x8 (T = 97, d = 32)', async () => {
    await checkSoftmax(1, 130, 64);
    await checkSoftmax(2, 97, 32, 8);
  });

  it.each(DIMS)(
    'linear-chunked matches for d = %i at T = 65 (and T = 1 at d = 16; softplus, normalised)',
    async (dim) => {
      for (const tokens of lengths(dim)) {
        await checkLinear(tokens, dim, linearOptions('linear-chunked'));
      }
    },
  );

  it('linear-chunked matches with identity unnormalised, elu1, and chunks of 16 and 32 (T = 67, d = 32)', async () => {
    await checkLinear(
      67,
      32,
      linearOptions('linear-chunked', { featureMap: 'identity', normalize: false }),
    );
    await checkLinear(67, 32, linearOptions('linear-chunked', { featureMap: 'elu1' }));
    await checkLinear(67, 32, linearOptions('linear-chunked', { chunkSize: 16 }), undefined, 2);
    await checkLinear(
      67,
      32,
      linearOptions('linear-chunked', { featureMap: 'identity', chunkSize: 32 }),
    );
  });

  it.each(DIMS)(
    'gated-chunked matches, dg included, for d = %i at T = 65 (and T = 1 at d = 16; decays in [-3, 0])',
    async (dim) => {
      for (const tokens of lengths(dim)) {
        await checkLinear(tokens, dim, linearOptions('gated-chunked'), [-3, 0]);
      }
    },
  );

  it('gated-chunked matches with decays near 1 and near 0, unnormalised, and chunks of 16 (T = 131, d = 32)', async () => {
    await checkLinear(131, 32, linearOptions('gated-chunked'), [-1e-3, 0]);
    await checkLinear(131, 32, linearOptions('gated-chunked'), [-60, -8]);
    await checkLinear(
      131,
      32,
      linearOptions('gated-chunked', { normalize: false, featureMap: 'identity' }),
      [-1, 0],
    );
    await checkLinear(131, 32, linearOptions('gated-chunked', { chunkSize: 16 }), [-1, 0], 2);
  });

  it('refuses forms without a backward and chunks over 64 with a sentence', () => {
    const shape = { heads: 1, tokens: 8, dim: 16 };
    expect(() => createAttentionTraining(device, shape, { form: 'linear-recurrent' })).toThrow(
      /has no backward pass/,
    );
    expect(() =>
      createAttentionTraining(device, shape, { form: 'linear-chunked', chunkSize: 128 }),
    ).toThrow(/at most 64 tokens/);
  });
});
