import { expect, test } from './fixtures.ts';

// A GPU can be lost mid-session (driver reset, GPU process crash). The page must say so in a
// sentence, fall back to the reference data, and keep working: no console errors, no stuck runs.
test('after the GPU is lost, the widgets say so and fall back to the reference data', async ({
  page,
  webgpu,
}) => {
  test.skip(!webgpu, 'needs a device to lose');
  await page.goto('/widgets-test/');
  await expect(page.locator('body[data-ready="true"]')).toBeAttached();
  const race = page.getByTestId('race');
  const status = page.getByTestId('race-status');
  await expect(status).toContainText('on your GPU', { timeout: 60_000 });
  await expect(race).toHaveAttribute('data-running', 'false', { timeout: 60_000 });

  await page.evaluate(async () => {
    const outcome = await window.laPageGpu!.acquire();
    if (outcome.kind === 'ready') outcome.device.destroy();
  });
  const note = race.getByTestId('device-note');
  await expect(note).toHaveAttribute('data-gpu-state', 'lost');
  await expect(note).toContainText('Live run unavailable');

  // Moving the slider after the loss shows the reference GPU's numbers, not an error.
  const slider = page.getByRole('slider', { name: /Context length/ });
  await slider.focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect(status).toContainText('At 256 tokens', { timeout: 30_000 });
  await expect(status).toContainText('reference GPU');
  await expect(race).toHaveAttribute('data-running', 'false');

  // The timing chart no longer offers a live run, and says why.
  const chart = page.getByTestId('timing-chart');
  await chart.scrollIntoViewIfNeeded();
  await expect(chart.getByRole('button', { name: /Run/ })).toBeDisabled();
  await expect(chart.getByTestId('device-note')).toHaveAttribute('data-gpu-state', 'lost');
  await expect(chart.getByTestId('device-note')).toContainText('Live run unavailable');
});
