import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { setTabHidden } from './tab.ts';

// A long session on the race: a storm of slider changes, then a hundred runs one after another.
// Every GPU buffer the page creates is counted (GPUDevice.prototype.createBuffer and
// GPUBuffer.prototype.destroy are wrapped by an init script, for this test only): after the storm
// and after every run, none is left alive, and the JavaScript heap stays flat. Hidden and
// off-screen races do not run, and run once they are back.

declare global {
  interface Window {
    laBuffers?: { created: number; destroyed: number; live: () => string[] };
  }
}

/** Counts buffers created and destroyed on every device of the page. */
function countBuffers(): void {
  const live = new Map<GPUBuffer, string>();
  const counts = { created: 0, destroyed: 0, live: () => [...live.values()] };
  window.laBuffers = counts;
  if (typeof GPUDevice === 'undefined') return;
  const create = GPUDevice.prototype.createBuffer;
  GPUDevice.prototype.createBuffer = function (this: GPUDevice, descriptor: GPUBufferDescriptor) {
    const buffer = create.call(this, descriptor);
    counts.created += 1;
    live.set(buffer, descriptor.label ?? '(no label)');
    return buffer;
  };
  const destroy = GPUBuffer.prototype.destroy;
  GPUBuffer.prototype.destroy = function (this: GPUBuffer) {
    if (live.delete(this)) counts.destroyed += 1;
    destroy.call(this);
  };
}

async function buffers(
  page: Page,
): Promise<{ created: number; destroyed: number; live: string[] }> {
  return page.evaluate(() => {
    const b = window.laBuffers!;
    return { created: b.created, destroyed: b.destroyed, live: b.live() };
  });
}

/** The JavaScript heap after a full garbage collection, in bytes (Chromium's DevTools protocol). */
async function heapAfterGc(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
  await cdp.detach();
  return usedSize;
}

async function openRace(page: Page): Promise<void> {
  await page.addInitScript(countBuffers);
  await page.goto('/widgets-test/');
  await expect(page.locator('body[data-ready="true"]')).toBeAttached();
  const race = page.getByTestId('race');
  await expect(race).toHaveAttribute('data-source', 'live', { timeout: 60_000 });
  await expect(race).toHaveAttribute('data-running', 'false', { timeout: 60_000 });
}

/** The tokens the slider shows ("256 tokens" -> 256). */
async function sliderTokens(page: Page): Promise<number> {
  const text = await page
    .getByRole('slider', { name: /Context length/ })
    .getAttribute('aria-valuetext');
  return Number((text ?? '').replace(/[^\d]/g, ''));
}

test.describe('a long session on the race', () => {
  test.beforeEach(({ webgpu }) => {
    test.skip(!webgpu, 'counts GPU buffers');
  });

  test('a 200-change slider storm ends with one live result and every GPU buffer destroyed', async ({
    page,
  }) => {
    test.setTimeout(300_000);
    await openRace(page);
    const race = page.getByTestId('race');
    const slider = page.getByRole('slider', { name: /Context length/ });
    await slider.focus();
    // A fixed pseudo-random walk, so a failure can be replayed.
    let seed = 12345;
    for (let i = 0; i < 200; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      await page.keyboard.press(seed % 2 === 0 ? 'ArrowRight' : 'ArrowLeft');
    }
    const final = await sliderTokens(page);
    await expect(race).toHaveAttribute('data-result-tokens', String(final), { timeout: 120_000 });
    await expect(race).toHaveAttribute('data-source', 'live');
    await expect(race).toHaveAttribute('data-running', 'false', { timeout: 120_000 });
    await expect(page.getByTestId('race-status')).toContainText('on your GPU');
    await expect(race).not.toContainText('failed');
    await expect.poll(async () => (await buffers(page)).live, { timeout: 30_000 }).toEqual([]);
    const counts = await buffers(page);
    expect(counts.created).toBeGreaterThan(0);
    expect(counts.destroyed).toBe(counts.created);
  });

  test('100 consecutive runs leave no GPU buffer alive after each and keep the heap flat', async ({
    page,
  }) => {
    test.setTimeout(600_000);
    await openRace(page);
    const race = page.getByTestId('race');
    const slider = page.getByRole('slider', { name: /Context length/ });
    await slider.focus();
    let heapAt10 = 0;
    for (let run = 1; run <= 100; run++) {
      await page.keyboard.press(run % 2 === 1 ? 'ArrowRight' : 'ArrowLeft');
      const tokens = await sliderTokens(page);
      await expect(race).toHaveAttribute('data-result-tokens', String(tokens), { timeout: 60_000 });
      await expect(race).toHaveAttribute('data-running', 'false', { timeout: 60_000 });
      await expect(race).toHaveAttribute('data-source', 'live');
      const counts = await buffers(page);
      expect(counts.live, `buffers alive after run ${run}`).toEqual([]);
      if (run === 10) heapAt10 = await heapAfterGc(page);
    }
    const heapAt100 = await heapAfterGc(page);
    const counts = await buffers(page);
    test.info().annotations.push({
      type: 'measured',
      description: `buffers created ${counts.created}, destroyed ${counts.destroyed}; heap after run 10 ${heapAt10} B, after run 100 ${heapAt100} B`,
    });
    console.log(test.info().annotations.at(-1)?.description);
    expect(counts.destroyed).toBe(counts.created);
    // Flat: 90 more runs add less than 2 MB (a leak of one result per run would add far more
    // than that only over many runs, so also bound the growth per run).
    expect(heapAt100 - heapAt10).toBeLessThan(2 * 1024 * 1024);
  });

  test('a hidden tab and an off-screen race do not run, and run once they are back', async ({
    page,
  }) => {
    test.setTimeout(180_000);
    await openRace(page);
    const race = page.getByTestId('race');
    const el = page.locator('la-race');
    const setHidden = (hidden: boolean) => setTabHidden(page, hidden);
    const createdNow = async (): Promise<number> => (await buffers(page)).created;

    for (const away of ['hidden', 'off-screen'] as const) {
      if (away === 'hidden') {
        await setHidden(true);
      } else {
        await page.evaluate(() => {
          document.body.style.paddingBottom = '8000px';
          window.scrollTo(0, document.body.scrollHeight);
        });
        await expect(race).not.toBeInViewport();
      }
      // Ask for a new length while away: nothing runs, nothing is allocated.
      await el.evaluate((node) => {
        const input =
          node.querySelector('input[type="range"]') ??
          node.shadowRoot?.querySelector('input[type="range"]');
        if (!(input instanceof HTMLInputElement)) throw new Error('no slider');
        input.value = String(Number(input.value) + (input.value === input.max ? -1 : 1));
        input.dispatchEvent(new Event('input', { bubbles: true }));
        input.dispatchEvent(new Event('change', { bubbles: true }));
      });
      const created = await createdNow();
      await page.waitForTimeout(2000);
      expect(await createdNow(), `buffers created while ${away}`).toBe(created);
      await expect(race).toHaveAttribute('data-running', 'false');
      // The verdict follows the slider at once, from the reference GPU: nothing ran while away.
      await expect(race).toHaveAttribute('data-verdict-tokens', String(await sliderTokens(page)));
      await expect(race).not.toHaveAttribute('data-source', 'live');
      // Back: the race runs for the new length.
      if (away === 'hidden') await setHidden(false);
      else await race.scrollIntoViewIfNeeded();
      const tokens = await sliderTokens(page);
      await expect(race).toHaveAttribute('data-result-tokens', String(tokens), { timeout: 60_000 });
      await expect(race).toHaveAttribute('data-source', 'live');
      await expect(race).toHaveAttribute('data-running', 'false', { timeout: 60_000 });
      expect((await buffers(page)).live).toEqual([]);
    }
  });
});
