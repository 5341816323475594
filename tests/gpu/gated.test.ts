/**
 * The gated forms against the float64 reference, through the engine's dispatcher (runAttention
 * poisons the output with NaN before each run, so an unwritten element fails), over every head
 * dimension, T = 1 and odd T, and three decay regimes: near 1 (g near 0, the state remembers),
 * near 0 (g very negative, the state forgets at once) and mixed. Then the two forms against each
 * other at a longer T, and the dispatch splits the device would not pick.
 */
import { describe, expect, it } from 'vitest';
import { runAttention } from '../../src/gpu/attention.ts';
import { createDecoder } from '../../src/gpu/generation/index.ts';
import { createGatedChunkedWith } from '../../src/gpu/forms/gated/chunked.ts';
import { createGatedRecurrentWith } from '../../src/gpu/forms/gated/recurrent.ts';
import { referenceGatedAttention } from '../../src/gpu/forms/gated/reference.ts';
import type { FormFactory } from '../../src/gpu/forms/form.ts';
import { formsOfFamily } from '../../src/gpu/forms/registry.ts';
import type { AttentionProblem, FeatureMap, ResolvedOptions } from '../../src/gpu/types.ts';
import { drawProblem, linearOptions, relativeError, runFactory } from './linear-helpers.ts';
import { gpu, randomArray, readyDevice } from './setup.ts';

const FORMS = formsOfFamily('gated');
const BOUND = 1e-4;

/** Log-decay regimes: g_t drawn uniformly from [lo, hi]. */
const REGIMES = {
  'near 1': [-1e-3, 0],
  'near 0': [-60, -8],
  mixed: [-3, 0],
} as const satisfies Record<string, readonly [number, number]>;
type Regime = keyof typeof REGIMES;

function gatedProblem(
  heads: number,
  tokens: number,
  dim: number,
  options: Pick<ResolvedOptions, 'featureMap' | 'normalize'>,
  regime: Regime,
): AttentionProblem {
  const [lo, hi] = REGIMES[regime];
  const logDecay = Float32Array.from(
    { length: heads * tokens },
    () => lo + (hi - lo) * Math.random(),
  );
  return { ...drawProblem(heads, tokens, dim, options), logDecay };
}

describe.skipIf(!gpu)('gated linear attention against the float64 reference', async () => {
  const device = gpu ? (await readyDevice()).device : (null as unknown as GPUDevice);

  async function check(
    heads: number,
    tokens: number,
    dim: number,
    options: ResolvedOptions,
    regime: Regime,
  ): Promise<void> {
    const problem = gatedProblem(heads, tokens, dim, options, regime);
    const actual = await runAttention(device, problem, options);
    const error = relativeError(actual, referenceGatedAttention(problem, options));
    const what = `${options.form} H=${heads} T=${tokens} d=${dim} phi=${options.featureMap} normalize=${options.normalize} c=${options.chunkSize} decays ${regime}`;
    expect(error, what).toBeLessThanOrEqual(BOUND);
  }

  it.each(FORMS)(
    '%s matches within 1e-4 for d = 16, 32, 64, 128 at T = 1 and 65, decays near 1, near 0 and mixed',
    async (form) => {
      for (const dim of [16, 32, 64, 128]) {
        for (const tokens of [1, 65]) {
          for (const regime of Object.keys(REGIMES) as Regime[]) {
            await check(2, tokens, dim, linearOptions(form), regime);
          }
        }
      }
    },
  );

  it.each(FORMS)('%s matches within 1e-4 at T = 2, 17 and 999 (H=3, d=64)', async (form) => {
    for (const tokens of [2, 17, 999]) {
      for (const regime of Object.keys(REGIMES) as Regime[]) {
        await check(3, tokens, 64, linearOptions(form), regime);
      }
    }
  });

  it.each(FORMS)(
    '%s matches within 1e-4 for each feature map, normalised or not (H=1, T=65, d=32)',
    async (form) => {
      const variants: [FeatureMap, boolean][] = [
        ['identity', true],
        ['identity', false],
        ['elu1', true],
        ['softplus', false],
      ];
      for (const [featureMap, normalize] of variants) {
        await check(1, 65, 32, linearOptions(form, { featureMap, normalize }), 'mixed');
      }
    },
  );

  it('gated-chunked matches within 1e-4 for chunk sizes 16 and 256 at T = 17 and 301', async () => {
    for (const chunkSize of [16, 256]) {
      for (const tokens of [17, 301]) {
        await check(2, tokens, 32, linearOptions('gated-chunked', { chunkSize }), 'mixed');
      }
    }
  });

  it('the two gated forms agree within 1e-4 at T = 3001 (H=2, d=32, decays near 1)', async () => {
    const [a, b] = FORMS as ['gated-recurrent', 'gated-chunked'];
    const problem = gatedProblem(2, 3001, 32, linearOptions(a), 'near 1');
    const recurrent = await runAttention(device, problem, linearOptions(a));
    const chunked = await runAttention(device, problem, linearOptions(b));
    expect(relativeError(chunked, recurrent)).toBeLessThanOrEqual(BOUND);
  });

  it('split dispatches carry the decayed state (37-token recurrent spans; chunked split at every workgroup, one head of chunk states at a time)', async () => {
    const problem = gatedProblem(3, 301, 16, linearOptions('gated-chunked'), 'mixed');
    const cases: [ResolvedOptions['form'], FormFactory][] = [
      ['gated-recurrent', createGatedRecurrentWith(37)],
      ['gated-chunked', createGatedChunkedWith({ maxDispatchFlops: 1, maxStateBytes: 1 << 15 })],
    ];
    for (const [form, factory] of cases) {
      const options = linearOptions(form, { chunkSize: 16 });
      const actual = await runFactory(device, factory, problem, options);
      expect(
        relativeError(actual, referenceGatedAttention(problem, options)),
        form,
      ).toBeLessThanOrEqual(BOUND);
    }
  });

  it('the gated state decoder, fed one token at a time, matches the reference and both gated forms', async () => {
    const options = linearOptions('gated-recurrent');
    const { heads, tokens, dim } = { heads: 3, tokens: 40, dim: 32 };
    const problem = gatedProblem(heads, tokens, dim, options, 'mixed');
    const decoder = createDecoder(device, { kind: 'gated-state', heads, dim });
    const stepped = new Float32Array(heads * tokens * dim).fill(Number.NaN);
    try {
      for (let t = 0; t < tokens; t++) {
        // Token t of every head: [heads][dim] slices, and its [heads] log-decays.
        const slice = (a: Float32Array): Float32Array => {
          const out = new Float32Array(heads * dim);
          for (let h = 0; h < heads; h++) {
            out.set(a.subarray((h * tokens + t) * dim, (h * tokens + t + 1) * dim), h * dim);
          }
          return out;
        };
        const g = Float32Array.from(
          { length: heads },
          (_, h) => problem.logDecay![h * tokens + t]!,
        );
        const y = await decoder.step(slice(problem.q), slice(problem.k), slice(problem.v), g);
        for (let h = 0; h < heads; h++) {
          stepped.set(y.subarray(h * dim, (h + 1) * dim), (h * tokens + t) * dim);
        }
      }
      await expect(
        decoder.step(
          randomArray(heads * dim),
          randomArray(heads * dim),
          randomArray(heads * dim),
          Float32Array.of(0, 0.5, 0),
        ),
      ).rejects.toThrow(/logDecay\[1\] \(head 1, token 0\) is 0.5/);
    } finally {
      decoder.destroy();
    }
    expect(relativeError(stepped, referenceGatedAttention(problem, options))).toBeLessThanOrEqual(
      BOUND,
    );
    for (const form of FORMS) {
      const full = await runAttention(device, problem, linearOptions(form));
      expect(relativeError(stepped, full), form).toBeLessThanOrEqual(BOUND);
    }
  });
});
