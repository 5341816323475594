import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAttention } from '../../src/gpu/attention.ts';
import { FORM_FACTORIES } from '../../src/gpu/forms/index.ts';
import { CORE_FORMS, formsOfFamily } from '../../src/gpu/forms/registry.ts';
import { createSoftmaxFlashKernel } from '../../src/gpu/forms/softmax/flash.ts';
import { createDecoder } from '../../src/gpu/generation/index.ts';
import { referenceAttention } from '../../src/gpu/reference/index.ts';
import type { AttentionForm } from '../../src/gpu/types.ts';
import { gpu, randomProblem, readyDevice, relativeError } from './setup.ts';

const TOLERANCE = 1e-4;

// The float32 forms; the f16 matrix form has its own bound and test (softmax-f16.test.ts).
const SOFTMAX_FORMS: AttentionForm[] = formsOfFamily('softmax').filter((form) =>
  CORE_FORMS.includes(form),
);
const TOKENS = [1, 2, 17, 63, 64, 65, 1000];

/** [heads, tokens, dim] cases: the whole token list at d=64, each dim at a few lengths, T=4097. */
const GRID: [number, number, number][] = [
  ...[1, 3].flatMap((h) => TOKENS.map((t): [number, number, number] => [h, t, 64])),
  ...[16, 128].flatMap((d) => [1, 65, 300].map((t): [number, number, number] => [3, t, d])),
  [1, 4097, 64],
];

describe.skipIf(!gpu)('softmax attention on the GPU', () => {
  let device: GPUDevice;
  beforeAll(async () => {
    device = (await readyDevice()).device;
  });
  afterAll(() => device?.destroy());

  for (const form of SOFTMAX_FORMS) {
    for (const [heads, tokens, dim] of GRID) {
      // softmax-naive at T=4097 costs about a minute on SwiftShader; flash covers that length.
      if (form === 'softmax-naive' && tokens > 1000) continue;
      it(`${form} matches the float64 reference within 1e-4 for H=${heads}, T=${tokens}, d=${dim}`, async () => {
        const problem = randomProblem(heads, tokens, dim);
        const out = await runAttention(device, problem, { form });
        const expected = referenceAttention(problem, { form });
        expect(relativeError(out, expected)).toBeLessThanOrEqual(TOLERANCE);
      });
    }
    it(`${form} matches the reference within 1e-4 for T=1000, d=64, logits scaled x30`, async () => {
      const problem = randomProblem(2, 1000, 64, 30);
      const out = await runAttention(device, problem, { form });
      const expected = referenceAttention(problem, { form });
      expect(relativeError(out, expected)).toBeLessThanOrEqual(TOLERANCE);
    });
  }

  // Chunks of 3 key tiles (not a multiple of a block's tiles), the softmax state carried between
  // dispatches; on the H200 this path runs from T = 16,384 at H = 12, d = 64.
  for (const [heads, tokens, dim] of [
    [3, 1000, 64],
    [2, 300, 16],
  ] as const) {
    it(`softmax-flash in chunks of 3 key tiles matches the reference within 1e-4 for H=${heads}, T=${tokens}, d=${dim}`, async () => {
      const factory = FORM_FACTORIES['softmax-flash'];
      FORM_FACTORIES['softmax-flash'] = (ctx) => createSoftmaxFlashKernel(ctx, 3);
      try {
        const problem = randomProblem(heads, tokens, dim, 10);
        const out = await runAttention(device, problem, { form: 'softmax-flash' });
        const expected = referenceAttention(problem, { form: 'softmax-flash' });
        expect(relativeError(out, expected)).toBeLessThanOrEqual(TOLERANCE);
      } finally {
        FORM_FACTORIES['softmax-flash'] = factory;
      }
    });
  }

  it('softmax-naive and softmax-flash agree within 1e-4 for H=3, T=200, d=32', async () => {
    const problem = randomProblem(3, 200, 32);
    const naive = await runAttention(device, problem, { form: 'softmax-naive' });
    const flash = await runAttention(device, problem, { form: 'softmax-flash' });
    expect(relativeError(naive, flash)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('the relative-error check fails on an unwritten (NaN) output element', () => {
    const expected = Float64Array.from([1, 2, 3]);
    expect(relativeError(Float32Array.from([1, Number.NaN, 3]), expected)).toBe(Infinity);
    expect(relativeError(Float32Array.from([1, 2, 3]), expected)).toBe(0);
  });

  it('a KV-cache decoder fed token by token reproduces softmax over the full sequence', async () => {
    const heads = 2;
    const tokens = 1100; // crosses a split boundary (1,024 positions)
    const dim = 32;
    const problem = randomProblem(heads, tokens, dim, 4);
    const expected = referenceAttention(problem, { form: 'softmax-flash' });
    const decoder = createDecoder(device, { kind: 'kv-cache', heads, dim }, tokens);
    const got = new Float32Array(heads * tokens * dim);
    try {
      const slice = (a: Float32Array, t: number): Float32Array => {
        const s = new Float32Array(heads * dim);
        for (let h = 0; h < heads; h++) {
          s.set(a.subarray((h * tokens + t) * dim, (h * tokens + t + 1) * dim), h * dim);
        }
        return s;
      };
      for (let t = 0; t < tokens; t++) {
        const y = await decoder.step(slice(problem.q, t), slice(problem.k, t), slice(problem.v, t));
        for (let h = 0; h < heads; h++) {
          got.set(y.subarray(h * dim, (h + 1) * dim), (h * tokens + t) * dim);
        }
      }
      expect(decoder.position).toBe(tokens);
      await expect(
        decoder.step(slice(problem.q, 0), slice(problem.k, 0), slice(problem.v, 0)),
      ).rejects.toThrow(/KV cache is full/);
    } finally {
      decoder.destroy();
    }
    expect(relativeError(got, expected)).toBeLessThanOrEqual(TOLERANCE);
  });
});
