import { expect, test } from './fixtures.ts';

// The learning widget on the GPU widgets' test page (2 pairs, width 16, 30 steps, so that CPU
// emulation finishes): it trains every form with WebGPU and explains itself without.

const SCREENSHOTS = process.env.SCREENSHOTS_DIR ?? 'test-results/screenshots';

test.describe('the learning widget', () => {
  test('trains every form side by side, with curves, speeds and a closing sentence', async ({
    page,
    webgpu,
  }, testInfo) => {
    test.setTimeout(240_000);
    for (const width of [1440, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto('/widgets-test/');
      await expect(page.locator('body[data-ready="true"]')).toBeAttached();
      const widget = page.getByTestId('learning');
      await widget.scrollIntoViewIfNeeded();
      await expect(widget).toBeVisible();
      const run = widget.getByRole('button', { name: 'Train on your GPU' });
      if (!webgpu) {
        await expect(run).toBeDisabled();
        await expect(widget.getByTestId('device-note')).toContainText(/WebGPU/);
        await widget.screenshot({
          path: `${SCREENSHOTS}/learning-${testInfo.project.name}-${width}-unavailable.png`,
        });
        continue;
      }
      await expect(run).toBeEnabled({ timeout: 30_000 });
      await run.click();
      await expect(widget).toHaveAttribute('data-running', 'true');
      await expect(widget.getByRole('button', { name: 'Stop' })).toBeVisible();
      // Mid-training: some steps of every form drawn.
      await expect
        .poll(async () => Number(await widget.getAttribute('data-steps')), { timeout: 120_000 })
        .toBeGreaterThanOrEqual(30);
      await widget.screenshot({
        path: `${SCREENSHOTS}/learning-${testInfo.project.name}-${width}-training.png`,
      });
      await expect(widget).toHaveAttribute('data-running', 'false', { timeout: 180_000 });
      await expect(widget.getByRole('status')).toContainText('Done: 30 steps per form');
      for (const label of ['Softmax', 'Linear', 'Gated linear']) {
        await expect(widget.locator('.stats')).toContainText(label);
      }
      await expect(widget.locator('.stats')).toContainText('steps/s');
      // Three series per chart, one point per step (30 steps, windows of 1).
      await expect(widget.locator('[data-point]')).toHaveCount(2 * 3 * 30);
      await widget.screenshot({
        path: `${SCREENSHOTS}/learning-${testInfo.project.name}-${width}-finished.png`,
      });
    }
  });

  test('stops on request and says after how many steps', async ({ page, webgpu }) => {
    test.skip(!webgpu, 'needs WebGPU');
    test.setTimeout(120_000);
    await page.goto('/widgets-test/');
    const widget = page.getByTestId('learning');
    await widget.scrollIntoViewIfNeeded();
    await widget.getByRole('button', { name: 'Train on your GPU' }).click();
    await expect
      .poll(async () => Number(await widget.getAttribute('data-steps')), { timeout: 60_000 })
      .toBeGreaterThanOrEqual(3);
    await widget.getByRole('button', { name: 'Stop' }).click();
    await expect(widget).toHaveAttribute('data-running', 'false', { timeout: 30_000 });
    await expect(widget.getByRole('status')).toContainText(
      /Stopped after \d+ of 30 steps per form/,
    );
    // Other settings drop the stopped run's curves: no chart shows a run under other settings.
    await expect(widget.locator('[data-point]').first()).toBeAttached();
    await widget.getByLabel('Pairs').selectOption('4');
    await expect(widget.locator('[data-point]')).toHaveCount(0);
    await expect(widget.getByRole('status')).toHaveText('');
  });

  test('reads in the dark theme on a phone, before any run', async ({ page }, testInfo) => {
    await page.setViewportSize({ width: 390, height: 900 });
    await page.goto('/widgets-test/?theme=dark');
    const widget = page.getByTestId('learning');
    await widget.scrollIntoViewIfNeeded();
    await expect(widget).toContainText('No reference curves for these settings in this build.');
    await widget.screenshot({
      path: `${SCREENSHOTS}/learning-${testInfo.project.name}-390-dark.png`,
    });
  });

  test("shows the H200 reference curves of the article's settings at once, labelled, before any run", async ({
    page,
  }, testInfo) => {
    // The article's widget (4 pairs, width 32) has reference runs in data/learning-h200.json.
    for (const width of [1440, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto('/');
      const widget = page.getByTestId('learning');
      // Its top below the page's sticky contents bar, so the screenshot shows the controls.
      await widget.evaluate((el) => {
        el.scrollIntoView({ block: 'start' });
        window.scrollBy(0, -80);
      });
      await expect(widget).toContainText(/Hollow dashed: the same WGSL trainer on NVIDIA H200/);
      for (const label of ['Softmax', 'Linear', 'Gated linear']) {
        const points = widget.locator(`[data-point][aria-label^="${label} (NVIDIA H200), steps"]`);
        // One series per chart (loss and recall), about 30 points each (fewer if a run was stopped).
        expect(await points.count()).toBeGreaterThanOrEqual(2 * 10);
      }
      await expect(widget).toHaveAttribute('data-steps', '0');
      await widget.screenshot({
        path: `${SCREENSHOTS}/learning-${testInfo.project.name}-${width}-reference.png`,
      });
    }
  });
});
