import { expect, test } from './fixtures.ts';

test.describe('foundation', () => {
  test('the first page shows the GPU panel, or why WebGPU is unavailable', async ({
    page,
    webgpu,
  }) => {
    await page.goto('/');
    const panel = page.getByTestId('gpu-panel');
    await expect(panel.getByRole('heading', { name: 'Your GPU' })).toBeVisible();
    if (webgpu) {
      await expect(panel.locator('[data-gpu-state="ready"]')).toBeVisible();
      await expect(panel).toContainText('CPU emulation');
      await expect(panel).toContainText('Largest storage buffer');
    } else {
      await expect(panel.locator('[data-gpu-state="unsupported"]')).toBeVisible();
      await expect(panel).toContainText('no GPU adapter is available');
    }
  });

  test('a WGSL vector add runs in the page and matches the CPU', async ({ page, webgpu }) => {
    test.skip(!webgpu, 'needs WebGPU');
    await page.goto('/harness/');
    await expect(page.locator('body[data-ready="true"]')).toBeAttached();
    const mismatches = await page.evaluate(async () => {
      const outcome = await window.engine.acquireGpu();
      if (outcome.kind !== 'ready') throw new Error(outcome.reason);
      const n = 4099;
      const a = Float32Array.from({ length: n }, () => Math.random() * 2 - 1);
      const b = Float32Array.from({ length: n }, () => Math.random() * 200 - 100);
      const out = await window.engine.addVectors(outcome.device, a, b);
      outcome.device.destroy();
      let bad = 0;
      for (let i = 0; i < n; i++) if (out[i] !== Math.fround(a[i]! + b[i]!)) bad++;
      return out.length === n ? bad : -1;
    });
    expect(mismatches).toBe(0);
  });
});
