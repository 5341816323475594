import { describe, expect, it } from 'vitest';
import { gpu, readyDevice } from './setup.ts';
import {
  createMaterialisedAttention,
  runTrainAttention,
  type AttentionSettings,
  type TrainAttentionFactory,
} from '../../src/gpu/train/attention.ts';
import { createFastAttention } from '../../src/gpu/train/attention-fast.ts';
import { attention, attentionBackward, type AttentionDims } from '../../src/gpu/train/reference.ts';

/** max |a - b| / max |b|: the error relative to the tensor's scale. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  expect(scale).toBeGreaterThan(0);
  return Number.isNaN(worst) ? Infinity : worst / scale;
}

function random(n: number, scale = 1, shift = 0): Float32Array {
  return Float32Array.from({ length: n }, () => shift + scale * (Math.random() * 2 - 1));
}

const cases: [string, AttentionSettings][] = [
  ['softmax', { form: 'softmax', featureMap: 'elu1', normalize: true }],
  ['linear, elu + 1, normalised', { form: 'linear', featureMap: 'elu1', normalize: true }],
  [
    'linear, softplus, not normalised',
    { form: 'linear', featureMap: 'softplus', normalize: false },
  ],
  ['gated, elu + 1, normalised', { form: 'gated', featureMap: 'elu1', normalize: true }],
];

const ops: [string, TrainAttentionFactory, number][] = [
  // The materialised op takes any head dimension; the fast kernels 16, 32, 64 or 128.
  ['materialised', createMaterialisedAttention, 8],
  // T = 150: two chunks of 64 and a partial one; the last flash tiles cut short.
  ['fast (engine kernels, layout moved)', createFastAttention, 16],
];

describe.skipIf(!gpu)("the trainer's attention ops", () => {
  for (const [opName, factory, headDim] of ops) {
    for (const [name, settings] of cases) {
      const tokens = factory === createFastAttention ? 150 : 13;
      it(`${opName} matches the float64 forward and backward within 1e-4: ${name}, T = ${tokens}, 2 sequences, 2 heads of ${headDim}`, async () => {
        const { device } = await readyDevice();
        const dims: AttentionDims = { batch: 2, tokens, heads: 2, headDim };
        const n = dims.batch * dims.tokens * dims.heads * dims.headDim;
        const gated = settings.form === 'gated';
        const inputs = {
          q: random(n, 2),
          k: random(n, 2),
          v: random(n),
          // Decays between about 0.37 and 1.
          logDecay: gated ? random(dims.batch * dims.tokens * dims.heads, 0.5, -0.5) : null,
          dy: random(n),
        };
        const got = await runTrainAttention(device, dims, settings, inputs, factory);
        const f64 = (a: Float32Array): Float64Array => Float64Array.from(a);
        const forward = attention(
          f64(inputs.q),
          f64(inputs.k),
          f64(inputs.v),
          inputs.logDecay ? f64(inputs.logDecay) : null,
          dims,
          settings,
        );
        const back = attentionBackward(
          f64(inputs.dy),
          f64(inputs.q),
          f64(inputs.k),
          f64(inputs.v),
          forward.cache,
          gated,
          dims,
          settings,
        );
        const errors = {
          y: relativeError(got.y, forward.y),
          dq: relativeError(got.dq, back.dq),
          dk: relativeError(got.dk, back.dk),
          dv: relativeError(got.dv, back.dv),
          dLogDecay: gated ? relativeError(got.dLogDecay!, back.dLogDecay!) : 0,
        };
        console.log(`train attention ${opName} ${name}: ${JSON.stringify(errors)}`);
        for (const error of Object.values(errors)) expect(error).toBeLessThan(1e-4);
        device.destroy();
      });
    }
  }
});
