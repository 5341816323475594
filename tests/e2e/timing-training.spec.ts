import { expect, test } from './fixtures.ts';

const SCREENSHOTS = process.env.SCREENSHOTS_DIR ?? 'test-results/screenshots';

test.describe("the timing chart's training view", () => {
  for (const width of [390, 1440]) {
    test(`shows training steps, switches scope and series by keyboard and fits at ${width} px`, async ({
      page,
    }, testInfo) => {
      test.skip(testInfo.project.name !== 'no-webgpu', 'the training data is what is drawn');
      await page.setViewportSize({ width, height: 900 });
      await page.goto('/');
      // The article's training figure opens on the whole layer's training steps.
      const chart = page.locator('#fig-training').getByTestId('timing-chart');
      await chart.scrollIntoViewIfNeeded();
      await expect(chart.getByRole('radio', { name: 'Training step' })).toBeChecked();
      await expect(chart.getByRole('radio', { name: 'Whole layer' })).toBeChecked();
      await expect(chart.getByRole('button', { name: 'Run on your GPU' })).toBeHidden();
      const caption = chart.getByTestId('timing-training-caption');
      await expect(caption).toContainText('forward and backward, no optimiser step');
      await expect(caption).toContainText('TF32');
      // The training call did not record SDPA's bf16 kernel: the key says so rather than guess.
      await expect(caption).toContainText('did not record which');
      // Its native steps were launched from Python (no CUDA graph): the key says launches are inside.
      await expect(chart.getByTestId('timing-training-native-key')).toContainText(
        "PyTorch's steps were launched from Python, so their times include the host's kernel launches.",
      );
      const summary = chart.getByTestId('chart-summary');
      await expect(summary).toContainText("PyTorch's layer with fused softmax in fp32 takes");
      await chart.screenshot({ path: `${SCREENSHOTS}/timing-training-layer-${width}.png` });

      // Radios: focus the checked one, an arrow key moves the choice.
      await chart.getByRole('radio', { name: 'Whole layer' }).focus();
      await page.keyboard.press('ArrowLeft');
      await expect(chart.getByRole('radio', { name: 'Attention alone' })).toBeChecked();
      await expect(summary).toContainText("PyTorch's fused softmax in fp32 takes");
      // Our three trainable forms and the native sets are legend toggles.
      const legend = chart.getByRole('group', { name: 'Show or hide series' });
      for (const name of ['Softmax, tiled (flash)', 'PyTorch fp32', 'bf16, tensor cores']) {
        await expect(legend.getByRole('button', { name })).toHaveAttribute('aria-pressed', 'true');
      }
      const lines = chart.locator('svg g.lines path');
      const before = await lines.count();
      expect(before).toBeGreaterThanOrEqual(5);
      const bf16 = legend.getByRole('button', { name: 'bf16, tensor cores' });
      await bf16.focus();
      await page.keyboard.press('Enter');
      await expect(bf16).toHaveAttribute('aria-pressed', 'false');
      await expect(lines).toHaveCount(before - 1);
      await page.keyboard.press('Enter');
      await expect(lines).toHaveCount(before);
      // The spread across rounds is drawn.
      await expect(chart.locator('svg g.spread path').first()).toBeAttached();
      const overflow = await chart.evaluate((el) => el.scrollWidth - el.clientWidth);
      expect(overflow, `the chart overflows at ${width} px`).toBeLessThanOrEqual(1);
      await chart.screenshot({ path: `${SCREENSHOTS}/timing-training-attention-${width}.png` });

      // The forward figure switches to training steps too, and back.
      const forward = page.locator('#fig-timing').getByTestId('timing-chart');
      await forward.getByRole('radio', { name: 'Forward pass' }).focus();
      await page.keyboard.press('ArrowRight');
      await expect(forward.getByRole('radio', { name: 'Training step' })).toBeChecked();
      await expect(forward.getByTestId('timing-training-caption')).toBeVisible();
      await page.keyboard.press('ArrowLeft');
      await expect(forward.getByRole('button', { name: 'Run on your GPU' })).toBeVisible();
    });
  }
});
