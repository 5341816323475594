/**
 * Every linear form against the float64 reference, through the engine's own dispatcher
 * (runAttention poisons the output with NaN, so an unwritten element fails). SwiftShader compiles
 * each pipeline variant in seconds, so the grid covers every listed value of every axis without
 * the full product: the token list at one setting, then dims x feature maps x normalisation in a
 * design where each (feature map, normalisation) pair and each dim appear, then chunk sizes.
 */
import { describe, expect, it } from 'vitest';
import { runAttention } from '../../src/gpu/attention.ts';
import { CORE_FORMS, formsOfFamily } from '../../src/gpu/forms/registry.ts';
import { referenceLinearAttention } from '../../src/gpu/forms/linear/reference.ts';
import type { FeatureMap, ResolvedOptions } from '../../src/gpu/types.ts';
import { drawProblem, linearOptions, relativeError } from './linear-helpers.ts';
import { gpu, readyDevice } from './setup.ts';

// The float32 forms; linear-chunked-f16 needs shader-f16 (SwiftShader has none) and has its own
// bound and test (linear-f16.test.ts).
const FORMS = formsOfFamily('linear').filter((form) => CORE_FORMS.includes(form));
const BOUND = 1e-4;

/** (dim, feature map, normalised): with the default (64, softplus, true), every pair appears. */
const VARIANTS: readonly [number, FeatureMap, boolean][] = [
  [16, 'identity', true],
  [32, 'identity', false],
  [128, 'elu1', true],
  [16, 'elu1', false],
  [32, 'softplus', false],
];

describe.skipIf(!gpu)('linear attention forms against the float64 reference', async () => {
  const device = gpu ? (await readyDevice()).device : (null as unknown as GPUDevice);

  async function check(
    heads: number,
    tokens: number,
    dim: number,
    options: ResolvedOptions,
  ): Promise<void> {
    const problem = drawProblem(heads, tokens, dim, options);
    const actual = await runAttention(device, problem, options);
    const error = relativeError(actual, referenceLinearAttention(problem, options));
    const what = `${options.form} H=${heads} T=${tokens} d=${dim} phi=${options.featureMap} normalize=${options.normalize} c=${options.chunkSize}`;
    expect(error, what).toBeLessThanOrEqual(BOUND);
  }

  it.each(FORMS)(
    '%s matches within 1e-4 for T = 1, 2, 17, 63, 64, 65 and 1000 (H=3, d=64, softplus, normalised)',
    async (form) => {
      for (const tokens of [1, 2, 17, 63, 64, 65, 1000]) {
        await check(3, tokens, 64, linearOptions(form));
      }
    },
  );

  it.each(FORMS)(
    '%s matches within 1e-4 for every dim, feature map and normalisation (H=1, T=65)',
    async (form) => {
      for (const [dim, featureMap, normalize] of VARIANTS) {
        await check(1, 65, dim, linearOptions(form, { featureMap, normalize }));
      }
    },
  );

  it.each(FORMS)(
    '%s matches within 1e-4 at T = 4097 (H=1, d=16, identity, normalised)',
    async (form) => {
      await check(1, 4097, 16, linearOptions(form, { featureMap: 'identity', normalize: true }));
    },
  );

  it('linear-chunked matches within 1e-4 for chunk sizes 16 to 256 at T = 17, 64, 65 and 1000', async () => {
    for (const chunkSize of [16, 32, 64, 128, 256]) {
      for (const tokens of [17, 64, 65, 1000]) {
        await check(
          tokens === 1000 ? 1 : 3,
          tokens,
          64,
          linearOptions('linear-chunked', { chunkSize }),
        );
      }
    }
  });
});
