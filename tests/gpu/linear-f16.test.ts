/**
 * linear-chunked-f16 (src/gpu/forms/f16/linear-f16.ts) on SwiftShader, which has no shader-f16:
 * its 'f16-emulated' storage holds every phi(q), phi(k) and v rounded to f16 in f32 memory, so the
 * chunked kernels compute from the same f16 values as on a device with f16 storage. Checked against
 * the float64 reference on the raw inputs with the derived elementwise bound (checkF16Linear in
 * accuracy.ts): ragged T, T = 1, several chunk sizes, both output kernels, every feature map,
 * normalised or not; outputs poisoned with NaN before each run (runFactory). Plus: the rounding
 * really happens (the error is far above float32's), and without shader-f16 the form says why.
 */
import { describe, expect, it } from 'vitest';
import { estimateCost } from '../../src/gpu/costs.ts';
import { runAttention } from '../../src/gpu/attention.ts';
import { checkF16Linear, roundArrayToF16 } from '../../src/gpu/forms/f16/accuracy.ts';
import {
  createLinearChunkedF16With,
  linearF16Unsupported,
} from '../../src/gpu/forms/f16/linear-f16.ts';
import { usesWholeOutput } from '../../src/gpu/forms/linear/chunked.ts';
import { referenceLinearAttention } from '../../src/gpu/forms/linear/reference.ts';
import { FORM_SPECS } from '../../src/gpu/forms/registry.ts';
import type { FeatureMap } from '../../src/gpu/types.ts';
import { drawProblem, linearOptions, relativeError, runFactory } from './linear-helpers.ts';
import { gpu, readyDevice } from './setup.ts';

describe('linear-chunked-f16 in the registry', () => {
  it("costs linear-chunked's FLOPs plus its f16 copies written and read (6 bytes per element each)", () => {
    const shape = { heads: 3, tokens: 1000, dim: 64 };
    // linear-chunked where it runs no feature-map pass (48 KiB at d = 64): its kernels alone. The
    // f16 form runs its own pass on every device.
    const f32 = estimateCost('linear-chunked', shape, {
      chunkSize: 64,
      workgroupStorageBytes: 48 * 1024,
    });
    const f16 = estimateCost('linear-chunked-f16', shape, { chunkSize: 64 });
    expect(f16.flops).toBe(f32.flops);
    expect(f16.bytesMoved - f32.bytesMoved).toBe(3 * 2 * (3 * 1000 * 64 * 2));
    expect(f16.workingBytes - f32.workingBytes).toBe(3 * (3 * 1000 * 64 * 2));
  });
  it('is its own series: linear family, chunked, needs shader-f16, not charted', () => {
    const spec = FORM_SPECS['linear-chunked-f16'];
    expect(spec).toMatchObject({ family: 'linear', schedule: 'chunked', charted: false });
    expect(spec.requires).toEqual(['shader-f16']);
    expect(spec.options).toContain('chunkSize');
  });
});

describe.skipIf(!gpu)(
  'linear-chunked-f16 (f16 values in f32 storage) against float64',
  async () => {
    const device = gpu ? (await readyDevice()).device : (null as unknown as GPUDevice);
    const storage = gpu ? device.limits.maxComputeWorkgroupStorageSize : 0;

    // [dim, tokens, chunk size, feature map, normalised]
    const cases: [number, number, number, FeatureMap, boolean][] = [
      [32, 1, 64, 'softplus', true],
      [32, 63, 64, 'softplus', true],
      [32, 200, 64, 'identity', false],
      [16, 257, 128, 'elu1', true],
      [32, 300, 16, 'softplus', false],
      [16, 129, 32, 'identity', true],
      [64, 150, 64, 'softplus', true],
    ];

    it.each(cases)(
      'd=%i T=%i c=%i %s normalised=%s: within the derived bound',
      async (dim, tokens, c, featureMap, normalize) => {
        const options = linearOptions('linear-chunked', { chunkSize: c, featureMap, normalize });
        const problem = drawProblem(2, tokens, dim, options);
        const actual = await runFactory(
          device,
          createLinearChunkedF16With('f16-emulated'),
          problem,
          options,
        );
        const check = checkF16Linear(problem, options, actual);
        const what = `${JSON.stringify(check)} (whole kernel: ${usesWholeOutput(dim, c, storage)})`;
        expect(check.nonFinite, what).toBe(0);
        expect(check.elements).toBe(2 * tokens * dim);
        expect(check.worstRatio, what).toBeLessThanOrEqual(1);
        // What bench --verify accepts for the form: max error over max |reference|.
        expect(check.maxError / check.maxReference, what).toBeLessThanOrEqual(
          FORM_SPECS['linear-chunked-f16'].verifyTolerance,
        );
      },
    );

    it('runs the sliced output kernel too (forced tiles), within the bound', async () => {
      const options = linearOptions('linear-chunked', { chunkSize: 64 });
      const problem = drawProblem(1, 190, 32, options);
      const tiles = { threadRows: 8, featureSlice: 8, valueRows: 8 };
      const actual = await runFactory(
        device,
        createLinearChunkedF16With('f16-emulated', { tiles }),
        problem,
        options,
      );
      const check = checkF16Linear(problem, options, actual);
      expect(check.nonFinite).toBe(0);
      expect(check.worstRatio, JSON.stringify(check)).toBeLessThanOrEqual(1);
    });

    it('rounds its inputs: on raw inputs its error is far above float32, on f16 inputs it is not', async () => {
      const options = linearOptions('linear-chunked', {
        chunkSize: 64,
        featureMap: 'identity',
        normalize: false,
      });
      const raw = drawProblem(1, 200, 32, options);
      const onRaw = await runFactory(
        device,
        createLinearChunkedF16With('f16-emulated'),
        raw,
        options,
      );
      expect(relativeError(onRaw, referenceLinearAttention(raw, options))).toBeGreaterThan(1e-5);
      // Inputs already f16 (the identity map keeps them so): rounding changes nothing.
      const exact = {
        ...raw,
        q: roundArrayToF16(raw.q),
        k: roundArrayToF16(raw.k),
        v: roundArrayToF16(raw.v),
      };
      const onExact = await runFactory(
        device,
        createLinearChunkedF16With('f16-emulated'),
        exact,
        options,
      );
      expect(relativeError(onExact, referenceLinearAttention(exact, options))).toBeLessThan(1e-5);
    });

    it('the bound rejects an answer moved by twice the bound at one element', () => {
      const options = linearOptions('linear-chunked', { chunkSize: 16 });
      const problem = drawProblem(1, 40, 16, options);
      const reference = Float64Array.from(referenceLinearAttention(problem, options));
      const clean = checkF16Linear(problem, options, reference);
      expect(clean.worstRatio).toBeLessThan(1e-6); // float64 in another order
      const wrong = Float64Array.from(reference);
      const e = 37 * 16 + 5;
      wrong[e] = wrong[e]! + 1e-6;
      const bound = checkF16Linear(problem, options, wrong).boundAtWorst;
      wrong[e] = reference[e]! + 2 * bound;
      expect(checkF16Linear(problem, options, wrong).worstRatio).toBeGreaterThan(1.9);
    });

    it('without shader-f16 the form is unavailable, with a sentence, and does not run', async () => {
      expect(device.features.has('shader-f16')).toBe(false);
      expect(linearF16Unsupported(device)).toMatch(/linear-chunked-f16 needs .*shader-f16/);
      expect(FORM_SPECS['linear-chunked-f16'].unavailable(device)).toBe(
        linearF16Unsupported(device),
      );
      const problem = drawProblem(1, 16, 16, linearOptions('linear-chunked'));
      await expect(runAttention(device, problem, { form: 'linear-chunked-f16' })).rejects.toThrow(
        /shader-f16/,
      );
    });
  },
);
