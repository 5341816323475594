import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';

/**
 * In the page: the next requestAdapter() waits until `window.laRelease()` is called, so that a lost
 * state lasts long enough to look at.
 */
function holdNextAdapter(): void {
  const gpu = navigator.gpu;
  const original = gpu.requestAdapter.bind(gpu);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  (window as unknown as { laRelease: () => void }).laRelease = release;
  gpu.requestAdapter = async (options) => {
    await gate;
    return original(options);
  };
}

const SCREENSHOTS = process.env.SCREENSHOTS_DIR ?? 'test-results/screenshots';

// A GPU can be lost mid-session (driver reset, GPU process crash, or device.destroy() from a
// script the page does not control). The page must say so in a sentence, show the reference data
// meanwhile, request a new adapter and device (by itself after a short delay, or at the reader's
// next action), and bring live results back: twice in one session here, with no console errors.

/** Records every state the race's device note passes through, with its text, from now on. */
async function watchNote(page: Page): Promise<void> {
  await page.evaluate(() => {
    // The note sits in the element's shadow root, or in its light DOM when it has none.
    const host = document.querySelector('la-race')!;
    const note = (host.shadowRoot ?? host).querySelector('[data-testid="device-note"]')!;
    const seen: { state: string; text: string; running?: string }[] = [];
    (window as unknown as { laNoteStates: typeof seen }).laNoteStates = seen;
    const record = (): void => {
      seen.push({
        state: note.getAttribute('data-gpu-state') ?? '',
        text: note.textContent?.replace(/\s+/g, ' ').trim() ?? '',
      });
    };
    // And every start and end of a race run.
    const root = (host.shadowRoot ?? host).querySelector('[data-testid="race"]')!;
    new MutationObserver(() => {
      seen.push({ state: '', text: '', running: root.getAttribute('data-running') ?? '' });
    }).observe(root, { attributes: true, attributeFilter: ['data-running'] });
    new MutationObserver(record).observe(note, {
      attributes: true,
      childList: true,
      characterData: true,
      subtree: true,
    });
  });
}

type Seen = { state: string; text: string; running?: string };

async function noteStates(page: Page): Promise<Seen[]> {
  return page.evaluate(() => (window as unknown as { laNoteStates: Seen[] }).laNoteStates);
}

test('after the GPU is lost twice, the widgets say so each time and live results return', async ({
  page,
  webgpu,
}) => {
  test.skip(!webgpu, 'needs a device to lose');
  await page.goto('/widgets-test/');
  await expect(page.locator('body[data-ready="true"]')).toBeAttached();
  const race = page.getByTestId('race');
  const status = page.getByTestId('race-status');
  const note = race.getByTestId('device-note');
  const slider = page.getByRole('slider', { name: /Context length/ });
  await expect(status).toContainText('on your GPU', { timeout: 60_000 });
  await expect(race).toHaveAttribute('data-running', 'false', { timeout: 60_000 });

  for (const round of [1, 2]) {
    await watchNote(page);
    const before = await status.textContent();
    // Lose the device the way a script outside the page's control would.
    await page.evaluate(() => {
      const outcome = window.laPageGpu!.outcome;
      if (outcome?.kind !== 'ready') throw new Error('no device to lose');
      (window as unknown as { laLostDevice: GPUDevice }).laLostDevice = outcome.device;
      outcome.device.destroy();
    });

    // The note said what happened and what comes next.
    await expect
      .poll(async () => (await noteStates(page)).find((s) => s.state === 'lost')?.text ?? '')
      .toMatch(/GPU lost: The GPU device was destroyed\. .*GPU device .*reference GPU's numbers/);

    if (round === 1) {
      // The reader's next action (or the automatic retry before it) brings a new device and a
      // live run at the new length.
      await slider.focus();
      await page.keyboard.press('ArrowRight');
      await expect(status).not.toHaveText(before ?? '', { timeout: 60_000 });
    } else {
      // Untouched, the page recovers by itself and the race measures again on the new device.
      await expect
        .poll(async () => {
          const seen = await noteStates(page);
          const lost = seen.findIndex((s) => s.state === 'lost');
          return lost >= 0 && seen.slice(lost).some((s) => s.running === 'true');
        })
        .toBe(true);
    }
    await expect(status).toContainText('on your GPU', { timeout: 60_000 });
    await expect(race).toHaveAttribute('data-running', 'false', { timeout: 60_000 });
    await expect(note).toHaveAttribute('data-gpu-state', 'ready');
    await expect(note).toHaveAttribute('data-recoveries', String(round));
    await expect(note).toContainText('a new device, after the last one was lost');
    await expect(race).not.toContainText('failed');
    // A new device, not the dead one.
    expect(
      await page.evaluate(() => {
        const outcome = window.laPageGpu!.outcome;
        const dead = (window as unknown as { laLostDevice: GPUDevice }).laLostDevice;
        return outcome?.kind === 'ready' && outcome.device !== dead;
      }),
    ).toBe(true);
  }

  // The timing chart offers a live run again, on the new device.
  const chart = page.getByTestId('timing-chart');
  await chart.scrollIntoViewIfNeeded();
  await expect(chart.getByTestId('device-note')).toHaveAttribute('data-gpu-state', 'ready');
  await expect(chart.getByRole('button', { name: /Run/ })).toBeEnabled();
});

test('while the GPU is lost and not yet replaced, the race shows the reference numbers', async ({
  page,
  webgpu,
}) => {
  test.skip(!webgpu, 'needs a device to lose');
  await page.goto('/widgets-test/');
  const race = page.getByTestId('race');
  const status = page.getByTestId('race-status');
  await expect(status).toContainText('on your GPU', { timeout: 60_000 });
  await expect(race).toHaveAttribute('data-running', 'false', { timeout: 60_000 });
  // Hold the next device back, so the lost state lasts long enough to look at.
  await page.evaluate(holdNextAdapter);
  await page.evaluate(() => {
    const outcome = window.laPageGpu!.outcome;
    if (outcome?.kind === 'ready') outcome.device.destroy();
  });
  const note = race.getByTestId('device-note');
  await expect(note).toHaveAttribute('data-gpu-state', 'lost');
  await expect(status).toContainText('reference GPU');
  await expect(race).not.toContainText('NaN');
  await expect(note).toContainText('GPU lost: The GPU device was destroyed.');
  await race.screenshot({ path: `${SCREENSHOTS}/race-device-lost.png` });
  await page.evaluate(() => (window as unknown as { laRelease: () => void }).laRelease());
  await expect(note).toHaveAttribute('data-gpu-state', 'ready', { timeout: 60_000 });
});

test("the article's GPU panel says the GPU was lost, then names the new device", async ({
  page,
  webgpu,
}) => {
  test.skip(!webgpu, 'needs a device to lose');
  // Keep every device the page is given, so the test can lose it from outside.
  await page.addInitScript(() => {
    const devices: GPUDevice[] = [];
    (window as unknown as { laDevices: GPUDevice[] }).laDevices = devices;
    if (typeof GPUAdapter === 'undefined') return;
    const request = GPUAdapter.prototype.requestDevice;
    GPUAdapter.prototype.requestDevice = async function (this: GPUAdapter, descriptor) {
      const device = await request.call(this, descriptor);
      devices.push(device);
      return device;
    };
  });
  await page.goto('/');
  const panel = page.getByTestId('gpu-panel');
  await expect(panel.locator('[data-gpu-state="ready"]')).toBeVisible({ timeout: 60_000 });
  // Hold the next adapter back while the panel is looked at, then let it through.
  await page.evaluate(holdNextAdapter);
  await page.evaluate(() => {
    for (const device of (window as unknown as { laDevices: GPUDevice[] }).laDevices) {
      device.destroy();
    }
  });
  await expect(panel.locator('[data-gpu-state="lost"]')).toContainText(
    'GPU lost. The GPU device was destroyed. A new device is requested by itself',
  );
  await page.evaluate(() => (window as unknown as { laRelease: () => void }).laRelease());
  await expect(panel.locator('[data-gpu-state="ready"]')).toBeVisible({ timeout: 60_000 });
  await expect(panel).toContainText('Largest storage buffer');
});
