import { ATTENTION_FORMS } from '../../src/gpu/forms/ids.ts';
import { expect, test } from './fixtures.ts';

const FORMS = ATTENTION_FORMS;

test.describe('attention kernels in the page', () => {
  for (const form of FORMS) {
    test(`${form} runs in the page and matches the float64 reference within 1e-4 (H=2, T=65, d=32)`, async ({
      page,
      webgpu,
    }) => {
      test.skip(!webgpu, 'needs WebGPU');
      await page.goto('/harness/');
      await expect(page.locator('body[data-ready="true"]')).toBeAttached();
      const error = await page.evaluate(async (form) => {
        const engine = window.engine;
        const outcome = await engine.acquireGpu();
        if (outcome.kind !== 'ready') throw new Error(outcome.reason);
        const [heads, tokens, dim] = [2, 65, 32];
        const n = heads * tokens * dim;
        const random = () => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);
        // Gated forms read log-decays (g <= 0); the others ignore them.
        const logDecay = Float32Array.from({ length: heads * tokens }, () =>
          Math.log(1 - 0.5 * Math.random()),
        );
        const problem = { heads, tokens, dim, q: random(), k: random(), v: random(), logDecay };
        // The f16 forms need optional features (headless Chromium's SwiftShader has none; their
        // kernel is checked by tests/gpu/softmax-f16.test.ts): skipped, saying why.
        const unavailable = engine.formUnavailable(form, outcome.device);
        if (unavailable) {
          outcome.device.destroy();
          return unavailable;
        }
        try {
          const out = await engine.runAttention(outcome.device, problem, { form });
          const expected = engine.referenceAttention(problem, { form });
          let diff = 0;
          let norm = 0;
          for (let i = 0; i < n; i++) {
            if (!Number.isFinite(out[i]!)) return Infinity;
            diff += (out[i]! - expected[i]!) ** 2;
            norm += expected[i]! ** 2;
          }
          return Math.sqrt(diff / norm);
        } finally {
          outcome.device.destroy();
        }
      }, form);
      test.skip(typeof error === 'string', String(error));
      expect(error).toBeLessThanOrEqual(1e-4);
    });
  }
});
