/**
 * The recurrent kernel (linear-recurrent.wgsl), gated and ungated, against the float64 references,
 * with the output poisoned with NaN (runFactory): odd lengths, a block's edge, T = 1, every head
 * dimension the form supports, and the state carried over short dispatches.
 */
import { describe, expect, it } from 'vitest';
import { createGatedRecurrentWith } from '../../src/gpu/forms/gated/recurrent.ts';
import { referenceGatedAttention } from '../../src/gpu/forms/gated/reference.ts';
import { createLinearRecurrentWith } from '../../src/gpu/forms/linear/recurrent.ts';
import { referenceLinearAttention } from '../../src/gpu/forms/linear/reference.ts';
import type { FeatureMap } from '../../src/gpu/types.ts';
import { drawProblem, linearOptions, relativeError, runFactory } from './linear-helpers.ts';
import { gpu, readyDevice } from './setup.ts';

const BOUND = 1e-4;

/** (dim, feature map, normalised, tokens): odd lengths, T = 1, a block's edge. */
const CASES: readonly [number, FeatureMap, boolean, number][] = [
  [64, 'softplus', true, 1],
  [64, 'softplus', true, 203],
  [64, 'identity', false, 64],
  [16, 'identity', true, 33],
  [32, 'elu1', false, 17],
  [128, 'softplus', true, 9],
];

describe.skipIf(!gpu)('the recurrent kernel', async () => {
  const ready = gpu ? await readyDevice() : null;
  const device = ready ? ready.device : (null as unknown as GPUDevice);

  it('linear-recurrent matches within 1e-4, in one dispatch and over 37-token dispatches', async () => {
    for (const [dim, featureMap, normalize, tokens] of CASES) {
      for (const maxTokens of [16_384, 37]) {
        const options = linearOptions('linear-recurrent', { featureMap, normalize });
        const problem = drawProblem(2, tokens, dim, options);
        const actual = await runFactory(
          device,
          createLinearRecurrentWith({ maxTokens }),
          problem,
          options,
        );
        const error = relativeError(actual, referenceLinearAttention(problem, options));
        const what = `max=${maxTokens} d=${dim} T=${tokens} phi=${featureMap} normalize=${normalize}`;
        expect(error, what).toBeLessThanOrEqual(BOUND);
      }
    }
  });

  it('gated-recurrent matches within 1e-4, and carries the state over 37-token dispatches', async () => {
    for (const [dim, tokens, maxTokens] of [
      [64, 150, 37],
      [32, 301, 16_384],
      [64, 1, 16_384],
    ] as const) {
      const options = linearOptions('gated-recurrent');
      const logDecay = Float32Array.from({ length: 3 * tokens }, () => -0.5 * Math.random());
      const problem = { ...drawProblem(3, tokens, dim, options), logDecay };
      const actual = await runFactory(
        device,
        createGatedRecurrentWith({ maxTokens }),
        problem,
        options,
      );
      const error = relativeError(actual, referenceGatedAttention(problem, options));
      expect(error, `d=${dim} T=${tokens} max=${maxTokens}`).toBeLessThanOrEqual(BOUND);
    }
  });
});
