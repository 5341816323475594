import { ATTENTION_FORMS } from '../../src/gpu/forms/ids.ts';
import { expect, test } from './fixtures.ts';

// The measuring instrument in the page, on Chromium's WebGPU (SwiftShader here): logic only, no
// speed is asserted.
test.describe('timing and sweeps in the page', () => {
  test.beforeEach(async ({ page, webgpu }) => {
    test.skip(!webgpu, 'needs WebGPU');
    await page.goto('/harness/');
    await expect(page.locator('body[data-ready="true"]')).toBeAttached();
  });

  test('detects the clock and times a kernel with a named clock, median and IQR', async ({
    page,
  }) => {
    const result = await page.evaluate(async () => {
      const outcome = await window.engine.acquireGpu();
      if (outcome.kind !== 'ready') throw new Error(outcome.reason);
      const clock = await window.engine.detectClock(outcome.device);
      const work = window.engine.createSpinWork(outcome.device, { elements: 256, iterations: 64 });
      const m = await window.engine.measureWork(outcome.device, work, {
        clockInfo: clock,
        samples: 5,
      });
      work.destroy();
      outcome.device.destroy();
      return { clock, m, hasTimestamps: outcome.features.includes('timestamp-query') };
    });
    expect(result.clock.clock).toBe(result.hasTimestamps ? 'gpu-timestamp' : 'wall-clock');
    // Rounded or not (Chrome rounds unless unsafe or developer features are on), the resolution
    // is a positive step well under a millisecond.
    expect(result.clock.resolutionMs).toBeGreaterThan(0);
    expect(result.clock.resolutionMs).toBeLessThan(1);
    expect(result.m.clock).toBe(result.clock.clock);
    expect(result.m.samples).toBeGreaterThan(0);
    expect(result.m.medianMs).toBeGreaterThan(0);
    expect(result.m.iqrMs).toBeGreaterThanOrEqual(0);
  });

  test('a small sweep streams an ok record for every form and length', async ({ page }) => {
    const { records, progress, core } = await page.evaluate(async () => {
      const outcome = await window.engine.acquireGpu();
      if (outcome.kind !== 'ready') throw new Error(outcome.reason);
      const progress: string[] = [];
      const records = await window.engine.collectSweep(
        window.engine.sweepAttention(outcome, {
          tokens: [64, 128],
          heads: 2,
          dim: 16,
          samples: 3,
          pointBudgetMs: 5000,
        }),
        (e) => progress.push(`${e.progress.done}/${e.progress.total}`),
      );
      outcome.device.destroy();
      return { records, progress, core: [...window.engine.CORE_FORMS] as string[] };
    });
    expect(records).toHaveLength(ATTENTION_FORMS.length * 2);
    expect(progress).toEqual(records.map((_, i) => `${i + 1}/${records.length}`));
    for (const form of ATTENTION_FORMS) {
      for (const tokens of [64, 128]) {
        const r = records.find((x) => x.form === form && x.tokens === tokens);
        expect(r, `${form} T=${tokens}`).toBeDefined();
        if (!core.includes(form)) {
          // The f16 matrix form: SwiftShader offers neither shader-f16 nor subgroup matrices.
          expect(r!.status).toBe('skipped');
          expect(r!.reason).toMatch(/needs the WebGPU features? /);
          continue;
        }
        expect(r!.status, `${form} T=${tokens}: ${r!.reason}`).toBe('ok');
        expect(r!.medianMs).toBeGreaterThan(0);
        expect(r!.gflops).toBeGreaterThan(0);
        expect(r!.runtime).toMatch(/Chrome/);
        expect(r!.adapter.isFallbackAdapter).toBe(true);
      }
    }
  });
});
