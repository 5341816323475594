import { readFile } from 'node:fs/promises';
import type { Locator, Page } from '@playwright/test';

type Box = { x: number; y: number; width: number; height: number };
import { expect, test } from './fixtures.ts';
import { setTabHidden } from './tab.ts';

// The measuring widgets on their test page (small shapes, so CPU emulation finishes): with WebGPU
// (SwiftShader) they run live; without it they show the reference data and say why. No timing is
// asserted: SwiftShader's speeds mean nothing.

const SCREENSHOTS = process.env.SCREENSHOTS_DIR ?? 'test-results/screenshots';
const SPEEDUP = /\d[\d,.]*\s*[x×]/;

async function open(page: Page, query = ''): Promise<void> {
  await page.goto(`/widgets-test/${query}`);
  await expect(page.locator('body[data-ready="true"]')).toBeAttached();
  await expect(page.getByTestId('race')).toBeVisible();
}

/** The number in "linear is 12.3x faster" / "softmax is 1.4x faster". */
function speedupOf(text: string): string {
  return text.match(SPEEDUP)?.[0] ?? '';
}

async function settledRace(page: Page): Promise<Locator> {
  const race = page.getByTestId('race');
  await expect(race).toHaveAttribute('data-running', 'false', { timeout: 60_000 });
  return race;
}

test.describe('GPU widgets', () => {
  test('every widget renders, with the reference data first and the device named', async ({
    page,
    webgpu,
  }) => {
    await open(page);
    for (const id of ['race', 'timing-chart', 'chunk-tuner', 'generation']) {
      await expect(page.getByTestId(id)).toBeVisible();
    }
    // Reference series are drawn before anything runs.
    const chart = page.getByTestId('timing-chart');
    await expect(chart.locator('[data-point]').first()).toBeAttached();
    await expect(chart).toContainText(/reference GPU: NVIDIA H200/);
    await expect(page.getByTestId('chunk-tuner').locator('[data-point]').first()).toBeAttached();
    await expect(page.getByTestId('generation').locator('[data-point]').first()).toBeAttached();
    const note = page.getByTestId('device-note').first();
    if (webgpu) {
      await expect(note).toHaveAttribute('data-gpu-state', 'ready');
      await expect(note).toContainText(/CPU emulation|Your GPU/);
    } else {
      await expect(note).toHaveAttribute('data-gpu-state', 'unsupported');
      await expect(note).toContainText('Live run unavailable');
      await expect(note).toContainText(/WebGPU/);
    }
  });

  test('the race slider is a labelled log-scale range with token value text', async ({ page }) => {
    await open(page);
    const slider = page.getByRole('slider', { name: /Context length/ });
    await expect(slider).toHaveAttribute('aria-valuetext', '128 tokens');
    await slider.focus();
    await page.keyboard.press('ArrowRight');
    await expect(slider).toHaveAttribute('aria-valuetext', '192 tokens');
    await page.keyboard.press('ArrowRight');
    await expect(slider).toHaveAttribute('aria-valuetext', '256 tokens');
    await page.keyboard.press('End');
    await expect(slider).toHaveAttribute('aria-valuetext', '1,024 tokens');
    await page.keyboard.press('PageDown');
    await expect(slider).not.toHaveAttribute('aria-valuetext', '1,024 tokens');
    await page.keyboard.press('Home');
    await expect(slider).toHaveAttribute('aria-valuetext', '128 tokens');
  });

  test('the race announces a speedup that follows the slider, by keyboard and by mouse', async ({
    page,
    webgpu,
  }) => {
    await open(page);
    const status = page.getByTestId('race-status');
    await expect(status).toHaveText(SPEEDUP, { timeout: 60_000 });
    await expect(status).toContainText('At 128 tokens');
    await expect(status).toContainText(
      webgpu ? 'on your GPU' : 'on the reference GPU (NVIDIA H200',
    );
    const race = await settledRace(page);
    const first = (await status.textContent()) ?? '';

    const slider = page.getByRole('slider', { name: /Context length/ });
    await slider.focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await expect(status).toContainText('At 256 tokens', { timeout: 60_000 });
    await expect(status).toHaveText(SPEEDUP);
    await settledRace(page);
    const second = (await status.textContent()) ?? '';
    expect(second).not.toBe(first);

    // A click near the left end of the track moves it back by mouse.
    const box = await slider.boundingBox();
    if (!box) throw new Error('slider has no box');
    await page.mouse.click(box.x + 3, box.y + box.height / 2);
    await expect(slider).toHaveAttribute('aria-valuetext', '128 tokens');
    await expect(status).toContainText('At 128 tokens', { timeout: 60_000 });
    await expect(race).toHaveAttribute('data-result-tokens', '128');
    expect(speedupOf((await status.textContent()) ?? '')).not.toBe('');
  });

  test('rapid slider changes leave one result, for the final value', async ({ page, webgpu }) => {
    await open(page);
    await settledRace(page);
    const slider = page.getByRole('slider', { name: /Context length/ });
    await slider.focus();
    for (const key of [
      'ArrowRight',
      'ArrowRight',
      'ArrowRight',
      'ArrowLeft',
      'ArrowLeft',
      'ArrowRight',
    ]) {
      await page.keyboard.press(key);
    }
    await expect(slider).toHaveAttribute('aria-valuetext', '256 tokens');
    const race = await settledRace(page);
    await expect(race).toHaveAttribute('data-result-tokens', '256');
    const status = page.getByTestId('race-status');
    await expect(status).toContainText('At 256 tokens');
    await expect(status).toHaveText(SPEEDUP);
    if (webgpu) {
      // Nothing is left running or queued afterwards: the result stays put.
      await page.waitForTimeout(1000);
      await expect(race).toHaveAttribute('data-running', 'false');
      await expect(race).toHaveAttribute('data-result-tokens', '256');
    }
  });

  test('without WebGPU the race shows the reference numbers and why', async ({ page, webgpu }) => {
    test.skip(webgpu, 'the no-WebGPU path');
    await open(page);
    const race = page.getByTestId('race');
    await expect(race).toHaveAttribute('data-source', 'reference');
    await expect(page.getByTestId('race-reference')).toContainText('Reference GPU (NVIDIA H200)');
    await expect(page.getByTestId('race-reference')).toContainText('PyTorch fused (SDPA)');
    await expect(race.getByTestId('device-note')).toContainText(/WebGPU/);
    await expect(page.getByTestId('race-status')).toHaveText(SPEEDUP);
    await expect(page.getByRole('button', { name: 'Run on your GPU' })).toBeDisabled();
  });

  test("the timing chart's Run adds live series and Stop stops", async ({ page, webgpu }) => {
    test.skip(!webgpu, 'needs WebGPU');
    await open(page, '#timing-chart');
    const chart = page.getByTestId('timing-chart');
    await chart.scrollIntoViewIfNeeded();
    await chart.getByRole('button', { name: 'Run on your GPU' }).click();
    await expect(chart).toHaveAttribute('data-running', 'true');
    await expect(chart.locator('progress')).toBeVisible();
    await expect(chart.locator('[data-point][aria-label*="your GPU"]').first()).toBeAttached({
      timeout: 60_000,
    });
    // The sweep measures every charted form at one length before the next, gated chunked (with
    // random log-decays) among them.
    await expect(
      chart.locator(
        '[data-point][aria-label^="Gated linear, chunked form"][aria-label*="your GPU"]',
      ),
    ).not.toHaveCount(0, { timeout: 60_000 });
    await chart.getByRole('button', { name: 'Stop' }).click();
    await expect(chart).toHaveAttribute('data-running', 'false', { timeout: 60_000 });
    await expect(chart.getByRole('status')).toContainText(/Stopped|Done/);
    // chunk-size is "auto" by default: the summary names each chunked form's size and where it
    // came from, and the points say it too.
    const summary = chart.getByTestId('chart-summary');
    for (const form of ['linear', 'gated linear']) {
      await expect(summary).toContainText(
        new RegExp(
          `On your GPU, the ${form}, chunked form ran at chunk size (16|32|64|128|256)(,|:) .*(timed now|reached its time limit)`,
        ),
      );
    }
    await expect(
      chart.locator(
        '[data-point][aria-label^="Linear, chunked form"][aria-label*="your GPU, chunk size"]',
      ),
    ).not.toHaveCount(0);
    const count = await chart.getAttribute('data-live-points');
    await page.waitForTimeout(1500);
    await expect(chart).toHaveAttribute('data-live-points', count ?? '');
    expect(Number(count)).toBeGreaterThan(0);
  });

  test('the timing chart sweep pauses while the tab is hidden or the chart is off screen, then resumes', async ({
    page,
    webgpu,
  }) => {
    test.skip(!webgpu, 'needs WebGPU');
    await open(page, '#timing-chart');
    const chart = page.getByTestId('timing-chart');
    // A longer sweep than the page's, so it cannot finish while the test looks at it.
    await page
      .locator('la-timing-chart')
      .evaluate((el) => el.setAttribute('max-tokens', String(2 ** 16)));
    await chart.scrollIntoViewIfNeeded();
    const points = async (): Promise<number> =>
      Number(await chart.getAttribute('data-live-points'));
    /** The sweep holds (the point in flight finishes), and no point arrives for a while after. */
    const expectHeld = async (): Promise<void> => {
      await expect(chart).toHaveAttribute('data-paused', 'true');
      const held = await points();
      await page.waitForTimeout(2000);
      expect(await points()).toBe(held);
      await expect(chart).toHaveAttribute('data-running', 'true');
      await expect(chart).toContainText('Paused while off screen');
    };
    const resumes = async (): Promise<void> => {
      const before = await points();
      await expect(chart).toHaveAttribute('data-paused', 'false');
      await expect.poll(points, { timeout: 60_000 }).toBeGreaterThan(before);
    };

    await chart.getByRole('button', { name: 'Run on your GPU' }).click();
    await expect.poll(points, { timeout: 60_000 }).toBeGreaterThan(0);

    // The tab goes to the background.
    const setHidden = (hidden: boolean) => setTabHidden(page, hidden);
    await setHidden(true);
    await expectHeld();
    await setHidden(false);
    await resumes();

    // The reader scrolls far away.
    await page.evaluate(() => {
      document.body.style.paddingBottom = '6000px';
      window.scrollTo(0, document.body.scrollHeight);
    });
    await expect(chart).not.toBeInViewport();
    await expectHeld();
    await chart.scrollIntoViewIfNeeded();
    await resumes();

    await chart.getByRole('button', { name: 'Stop' }).click();
    await expect(chart).toHaveAttribute('data-running', 'false', { timeout: 60_000 });
  });

  test('the timing chart exports valid CSV, JSON, SVG and PNG files', async ({ page, webgpu }) => {
    await open(page, '#timing-chart');
    const chart = page.getByTestId('timing-chart');
    await chart.scrollIntoViewIfNeeded();
    const save = async (name: string): Promise<Buffer> => {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        chart.getByRole('button', { name, exact: true }).click(),
      ]);
      return readFile((await download.path()) ?? '');
    };
    if (webgpu) {
      await chart.getByRole('button', { name: 'Run on your GPU' }).click();
      await expect(chart.locator('[data-point][aria-label*="your GPU"]').first()).toBeAttached({
        timeout: 60_000,
      });
      await chart.getByRole('button', { name: 'Stop' }).click();
      await expect(chart).toHaveAttribute('data-running', 'false', { timeout: 60_000 });
      const csv = (await save('CSV')).toString('utf8').trim().split('\n');
      expect(csv[0]).toMatch(/^task,form,featureMap,normalize,heads,tokens,dim/);
      expect(csv.length).toBeGreaterThan(1);
      expect(csv[1]).toMatch(/^forward,/);
      const json = JSON.parse((await save('JSON')).toString('utf8')) as {
        format: string;
        records: { task: string; medianMs: number | null }[];
      };
      expect(json.format).toBe('linear-attention-live/bench');
      expect(json.records.length).toBe(csv.length - 1);
    } else {
      await expect(chart.getByRole('button', { name: 'CSV', exact: true })).toBeDisabled();
    }
    const svg = (await save('SVG')).toString('utf8');
    expect(svg).toMatch(/^<\?xml[^>]*>\s*<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).not.toContain('var(--');
    const png = await save('PNG');
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  });

  test('the chart legend toggles series and points show exact values on focus', async ({
    page,
  }) => {
    await open(page, '#timing-chart');
    const chart = page.getByTestId('timing-chart');
    const naive = chart
      .getByRole('group', { name: 'Show or hide series' })
      .getByRole('button', { name: /Softmax, naive/ });
    await expect(naive).toHaveAttribute('aria-pressed', 'true');
    const before = await chart.locator('[data-point]').count();
    await naive.click();
    await expect(naive).toHaveAttribute('aria-pressed', 'false');
    expect(await chart.locator('[data-point]').count()).toBeLessThan(before);
    await naive.press('Enter');
    await expect(naive).toHaveAttribute('aria-pressed', 'true');

    const first = chart.locator('[data-point][tabindex="0"]');
    await first.focus();
    await expect(chart.locator('.tooltip')).toContainText(/tokens: .*(ms|µs|s)/);
    const label = await first.getAttribute('aria-label');
    await page.keyboard.press('ArrowRight');
    await expect(chart.locator('.tooltip')).not.toHaveText(label ?? '');
    await chart.getByRole('button', { name: 'Show data as a table' }).click();
    await expect(chart.locator('table')).toContainText('Softmax, tiled (flash)');
    await expect(chart.getByTestId('chart-summary')).toContainText('context length');
    await chart.getByRole('checkbox', { name: /Published H100/ }).check();
    await expect(chart).toContainText('whole training step, not kernel');
    await expect(
      chart.locator('[data-point][aria-label*="published H100"]').first(),
    ).toBeAttached();
  });

  test("the timing chart draws the reference GPU's gated chunked records as their own series", async ({
    page,
  }) => {
    const data = JSON.parse(
      await readFile(new URL('../../data/reference-h200.json', import.meta.url), 'utf8'),
    ) as {
      records: { form: string; status: string }[];
    };
    const measured = data.records.filter((r) => r.form === 'gated-chunked' && r.status === 'ok');
    expect(measured.length).toBeGreaterThan(0);
    await open(page, '#timing-chart');
    const chart = page.getByTestId('timing-chart');
    await chart.scrollIntoViewIfNeeded();
    const gated = chart
      .getByRole('group', { name: 'Show or hide series' })
      .getByRole('button', { name: /Gated linear, chunked form/ });
    await expect(gated).toHaveAttribute('aria-pressed', 'true');
    const points = chart.locator(
      '[data-point][aria-label^="Gated linear, chunked form"][aria-label*="NVIDIA H200"]',
    );
    await expect(points).toHaveCount(measured.length);
    await gated.click();
    await expect(points).toHaveCount(0);
    await gated.click();
    await expect(points).toHaveCount(measured.length);
  });

  test('the PyTorch overlay adds dotted baselines with tooltips, a legend entry, table rows and export', async ({
    page,
  }) => {
    await open(page, '#timing-chart');
    const chart = page.getByTestId('timing-chart');
    await chart.scrollIntoViewIfNeeded();
    const torchPoints = chart.locator('[data-point][aria-label*="PyTorch native fp32"]');
    const legend = chart.getByRole('group', { name: 'Show or hide series' });
    const box = chart.getByRole('checkbox', { name: /PyTorch on the same NVIDIA H200/ });
    // On by default (the native baseline stands beside every comparison); start from off.
    await expect(box).toBeChecked();
    await box.uncheck();
    await expect(torchPoints).toHaveCount(0);
    await expect(legend.getByRole('button', { name: /PyTorch/ })).toHaveCount(0);
    const saveSvg = async (): Promise<string> => {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        chart.getByRole('button', { name: 'SVG', exact: true }).click(),
      ]);
      return (await readFile((await download.path()) ?? '')).toString('utf8');
    };
    const squares = (svg: string): number => svg.match(/<rect x="-3.5"/g)?.length ?? 0;
    expect(squares(await saveSvg())).toBe(0);

    await box.check();
    await expect(
      chart.locator('[data-point][aria-label^="PyTorch fused softmax (SDPA)"]').first(),
    ).toBeAttached();
    await expect(
      chart.locator('[data-point][aria-label^="PyTorch chunked linear (eager)"]').first(),
    ).toBeAttached();
    const shown = await torchPoints.count();
    expect(shown).toBeGreaterThan(2);
    expect(squares(await saveSvg())).toBe(shown);

    // Hover and keyboard focus both show the exact value. (The longest SDPA point is drawn last
    // where it sits, so nothing covers it.)
    const longest = chart.locator(
      '[data-point][aria-label^="PyTorch fused softmax (SDPA), 131,072"]',
    );
    await longest.hover();
    await expect(chart.locator('.tooltip')).toHaveText(
      /^PyTorch fused softmax \(SDPA\), 131,072 tokens: [\d.]+ (ms|µs|s) \(PyTorch native fp32 on NVIDIA H200, H = 12, d = 64\)$/,
    );
    await chart
      .locator('[data-point][aria-label^="PyTorch chunked linear (eager), 4,096"]')
      .focus();
    await expect(chart.locator('.tooltip')).toHaveText(
      /^PyTorch chunked linear \(eager\), 4,096 tokens: [\d.]+ (ms|µs|s) \(PyTorch native fp32/,
    );

    // The legend names the overlay and toggles it; hiding tiled softmax hides its baseline too.
    const entry = legend.getByRole('button', { name: /PyTorch on NVIDIA H200/ });
    await expect(entry).toHaveAttribute('aria-pressed', 'true');
    await entry.click();
    await expect(torchPoints).toHaveCount(0);
    await entry.click();
    await expect(torchPoints).toHaveCount(shown);
    await legend.getByRole('button', { name: /Softmax, tiled/ }).click();
    await expect(
      chart.locator('[data-point][aria-label^="PyTorch fused softmax (SDPA)"]'),
    ).toHaveCount(0);
    await expect(
      chart.locator('[data-point][aria-label^="PyTorch chunked linear (eager)"]').first(),
    ).toBeAttached();
    await legend.getByRole('button', { name: /Softmax, tiled/ }).click();

    await chart.getByRole('button', { name: 'Show data as a table' }).click();
    await expect(chart.locator('table')).toContainText('PyTorch fused softmax (SDPA)');
    await expect(chart.locator('table')).toContainText('PyTorch chunked linear (eager)');
    await expect(chart).toContainText('scaled_dot_product_attention');

    await box.uncheck();
    await expect(torchPoints).toHaveCount(0);
    await expect(legend.getByRole('button', { name: /PyTorch/ })).toHaveCount(0);
  });

  test('the show-torch attribute turns the PyTorch overlay on from the start', async ({ page }) => {
    await open(page, '#timing-chart');
    const chart = page.getByTestId('timing-chart');
    await page.locator('la-timing-chart').evaluate((el) => el.setAttribute('show-torch', ''));
    await expect(chart.getByRole('checkbox', { name: /PyTorch on the same/ })).toBeChecked();
    await expect(
      chart.locator('[data-point][aria-label*="PyTorch native fp32"]').first(),
    ).toBeAttached();
    await page.locator('la-timing-chart').evaluate((el) => el.removeAttribute('show-torch'));
    await expect(chart.getByRole('checkbox', { name: /PyTorch on the same/ })).not.toBeChecked();
  });

  test('the chunk tuner and generation measure live and mark the result', async ({
    page,
    webgpu,
  }) => {
    test.skip(!webgpu, 'needs WebGPU');
    await open(page, '#generation');
    const gen = page.getByTestId('generation');
    await gen.scrollIntoViewIfNeeded();
    await gen.getByRole('button', { name: /Time token generation/ }).click();
    await expect(gen.getByRole('status')).toContainText(/Done/, { timeout: 90_000 });
    await expect(gen.locator('[data-point][aria-label*="your GPU"]').first()).toBeAttached();
    await expect(gen.getByTestId('chart-summary')).toContainText('on your GPU');

    const tuner = page.getByTestId('chunk-tuner');
    await tuner.scrollIntoViewIfNeeded();
    await tuner.getByRole('button', { name: /Time chunk sizes/ }).click();
    await expect(tuner.locator('[data-point][aria-label*="your GPU"]').first()).toBeAttached({
      timeout: 90_000,
    });
    await tuner.getByRole('button', { name: 'Stop' }).click();
    await expect(tuner).toHaveAttribute('data-running', 'false', { timeout: 60_000 });
    // A search stopped early is not handed to the other widgets, and the summary says so.
    await expect(tuner.getByTestId('chart-summary')).toContainText(
      'Not every chunk size was timed, so the other widgets on this page keep their own choice.',
    );
  });

  test('at phone width the race slider has a row of its own and the two selects share the next', async ({
    page,
  }) => {
    for (const width of [390, 360]) {
      await page.setViewportSize({ width, height: 900 });
      await open(page);
      const race = page.getByTestId('race');
      const box = async (name: string | RegExp, role: 'slider' | 'combobox'): Promise<Box> => {
        const b = await race.getByRole(role, { name }).boundingBox();
        if (!b) throw new Error(`no box for ${String(name)}`);
        return b;
      };
      const slider = await box(/Context length/, 'slider');
      const heads = await box('Heads', 'combobox');
      const dim = await box('Head dimension', 'combobox');
      // Both selects sit below the slider, side by side, and together span its width.
      expect(heads.y).toBeGreaterThan(slider.y + slider.height);
      expect(Math.abs(heads.y - dim.y)).toBeLessThan(2);
      expect(dim.x).toBeGreaterThan(heads.x + heads.width);
      expect(dim.x + dim.width).toBeGreaterThan(slider.x + slider.width - 4);
      expect(heads.x).toBeLessThan(slider.x + 4);
    }
  });

  for (const theme of ['light', 'dark'] as const) {
    for (const width of [900, 390, 360]) {
      test(`screenshots: ${theme} theme at ${width} px`, async ({ page }, testInfo) => {
        await page.setViewportSize({ width, height: 900 });
        await open(page, `?theme=${theme}`);
        await expect(page.getByTestId('race-status')).toHaveText(SPEEDUP, { timeout: 60_000 });
        await settledRace(page);
        const shoot = async (id: string, name = id): Promise<void> => {
          const widget = page.getByTestId(id);
          await widget.scrollIntoViewIfNeeded();
          await widget.screenshot({
            path: `${SCREENSHOTS}/widgets-gpu-${name}-${theme}-${width}-${testInfo.project.name}.png`,
            animations: 'disabled',
          });
        };
        for (const id of ['race', 'timing-chart', 'chunk-tuner', 'generation']) await shoot(id);
        const chart = page.getByTestId('timing-chart');
        await chart.getByRole('checkbox', { name: /PyTorch on the same/ }).check();
        await shoot('timing-chart', 'timing-chart-torch');
      });
    }
  }
});
