import type { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';

// The race on a slow adapter (SwiftShader stands in for an old laptop), its verdict against the
// slider, the fair baseline beside it, attribute changes after render, the page's one WebGPU
// notice, and where the race sits on the article's first screen.

const SCREENSHOTS = process.env.SCREENSHOTS_DIR ?? 'test-results/screenshots';
/** Words about the machinery that a reader must never see. */
const JARGON = /budget|sweep|mapAsync|AbortError|validation|GPUBuffer|undefined|NaN/i;

/** The slider's length, from its value text ("4,096 tokens" -> 4096). */
async function sliderTokens(race: Locator): Promise<number> {
  const text = await race
    .getByRole('slider', { name: /Context length/ })
    .getAttribute('aria-valuetext');
  return Number((text ?? '').replace(/[^\d]/g, ''));
}

/** The race's visible text, sampled, never showing machinery; returns once `done` holds. */
async function watch(
  race: Locator,
  done: () => Promise<boolean>,
  timeoutMs: number,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    const text = await race.innerText();
    expect(text, 'text a reader sees').not.toMatch(JARGON);
    const verdict = await race.getAttribute('data-verdict-tokens');
    if (verdict) expect(Number(verdict)).toBe(await sliderTokens(race));
    if (await done()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`not done in ${timeoutMs} ms: ${text}`);
    await race.page().waitForTimeout(500);
  }
}

async function openArticle(page: Page, width = 1440, height = 900): Promise<Locator> {
  await page.setViewportSize({ width, height });
  await page.goto('/');
  const race = page.getByTestId('race');
  await expect(race).toBeVisible();
  return race;
}

async function setTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  await page.evaluate((t) => {
    document.documentElement.dataset.theme = t;
  }, theme);
}

test.describe('the race', () => {
  test('sits on the first screen at 1440 x 900 and fits a 390 px phone', async ({ page }) => {
    const race = await openArticle(page);
    const box = await race.boundingBox();
    expect(box!.y).toBeLessThan(900 - 200);
    await expect(race.getByTestId('race-verdict')).toBeInViewport();

    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    const phone = await race.boundingBox();
    expect(phone!.x).toBeGreaterThanOrEqual(0);
    expect(phone!.x + phone!.width).toBeLessThanOrEqual(390);
  });

  test('on SwiftShader at its defaults shows a live or plainly reduced result within 60 s, with no machinery in sight', async ({
    page,
    webgpu,
  }) => {
    test.skip(!webgpu, 'needs WebGPU');
    test.setTimeout(150_000);
    const loaded = Date.now();
    const race = await openArticle(page);
    expect(await sliderTokens(race)).toBe(4096);
    await watch(
      race,
      async () =>
        (await race.getAttribute('data-source')) === 'live' ||
        (await race.getAttribute('data-reduced-tokens')) !== '',
      60_000 - (Date.now() - loaded),
    );
    // The result is either at the slider's length or labelled with its own.
    if ((await race.getAttribute('data-source')) !== 'live') {
      await expect(race.getByTestId('race-yours')).toContainText(/Your GPU, [\d,]+ tokens/);
    }
    // Once the run ends, a reduced result says what was done instead, in plain words.
    await watch(race, async () => (await race.getAttribute('data-running')) === 'false', 60_000);
    if ((await race.getAttribute('data-source')) !== 'live') {
      await expect(race.getByTestId('race-reduced')).toContainText(
        /Timing both forms at 4,096 tokens(?: with 12 heads)? would take it about \d+ (s|min|h), so it shows [\d,]+ tokens/,
      );
    }
    // The reference GPU's numbers stay beside the reader's, with PyTorch's fused attention.
    await expect(race.getByTestId('race-reference')).toContainText('PyTorch fused (SDPA)');
    await expect(race.getByTestId('race-fineprint')).toContainText('fp32');
    await expect(race.getByTestId('race-fineprint')).toContainText('batch 1');
    // The committed reference data keeps callMs, so PyTorch's times are CUDA-graph GPU times.
    await expect(race.getByTestId('race-fineprint')).toContainText('replayed as one CUDA graph');
  });

  test('with chunk-size="auto" it names the chunk size it ran and why, and a second run on the page reuses it', async ({
    page,
    webgpu,
  }) => {
    test.skip(!webgpu, 'needs WebGPU');
    test.setTimeout(180_000);
    const race = page.getByTestId('race');
    const chunk = race.getByTestId('race-chunk');
    // While it searches, the progress line says so in plain words (watched from before the page
    // loads, so a quick search is not missed).
    const sawSearch = race
      .getByText('Choosing a chunk size for this GPU')
      .waitFor({ state: 'attached', timeout: 60_000 })
      .then(() => true);
    // The test page's race has no chunk-size attribute: "auto" is the default.
    await page.goto('/widgets-test/');
    await expect(page.locator('body[data-ready="true"]')).toBeAttached();
    await expect(race).toHaveAttribute('data-source', 'live', { timeout: 120_000 });
    await expect(race).toHaveAttribute('data-running', 'false', { timeout: 120_000 });
    expect(await sawSearch).toBe(true);
    const size = await race.getAttribute('data-chunk-size');
    expect(['16', '32', '64', '128', '256']).toContain(size);
    // A fresh browser has nothing kept, so it searched now (at SwiftShader's speed, at the
    // smallest shape, possibly stopped at its time limit); the size and the source are in words.
    expect(['search', 'partial']).toContain(await race.getAttribute('data-chunk-source'));
    await expect(race).toHaveAttribute('data-chunk-earlier', 'false');
    await expect(chunk).toContainText(`linear attention ran at chunk size ${size}`);
    await expect(chunk).toContainText(/timed now at 512 tokens with 1 head|reached its time limit/);
    // Reference bars are at the reference dataset's size, and say so.
    await expect(race.getByTestId('race-reference')).toContainText('chunk size 64');
    await expect(race.getByTestId('race-yours')).toContainText(`chunk size ${size}`);
    if (size !== '64') {
      await expect(chunk).toContainText(
        "The reference GPU's chunked numbers are at chunk size 64.",
      );
    }

    // A second run (the slider moved): the page's answer, no second search.
    const slider = race.getByRole('slider', { name: /Context length/ });
    await slider.focus();
    await page.keyboard.press('ArrowRight');
    await expect(race).toHaveAttribute('data-chunk-earlier', 'true', { timeout: 60_000 });
    await expect(race).toHaveAttribute('data-running', 'false', { timeout: 120_000 });
    await expect(race).toHaveAttribute('data-chunk-size', size!);
    await expect(chunk).toContainText('earlier on this page');
    // A search that ran to the end at 4,096 tokens or more would be kept in localStorage; the
    // small one SwiftShader affords is kept for the page only.
    const kept = await page.evaluate(() =>
      Object.keys(localStorage).filter((k) => k.includes('chunk-size/')),
    );
    expect(kept).toEqual([]);
  });

  test("the verdict's length always equals the slider's, also while it moves during a run", async ({
    page,
  }) => {
    await page.goto('/widgets-test/');
    await expect(page.locator('body[data-ready="true"]')).toBeAttached();
    const race = page.getByTestId('race');
    const slider = race.getByRole('slider', { name: /Context length/ });
    await slider.focus();
    for (const key of ['ArrowRight', 'ArrowRight', 'ArrowRight', 'ArrowRight', 'ArrowLeft']) {
      await page.keyboard.press(key);
      // Sample while the run for the previous value may still be under way.
      for (let i = 0; i < 3; i++) {
        const verdict = await race.getAttribute('data-verdict-tokens');
        if (verdict) expect(Number(verdict)).toBe(await sliderTokens(race));
        const text = (await race.getByTestId('race-verdict').innerText()).replace(/,/g, '');
        expect(text).toContain(`At ${await sliderTokens(race)} tokens`);
        await page.waitForTimeout(150);
      }
    }
    await watch(race, async () => (await race.getAttribute('data-running')) === 'false', 90_000);
    await expect(race.getByTestId('race-status')).toContainText('At 384 tokens');
  });

  test('an attribute changed after render updates the shape and re-runs', async ({
    page,
    webgpu,
  }) => {
    await page.goto('/widgets-test/');
    await expect(page.locator('body[data-ready="true"]')).toBeAttached();
    const race = page.getByTestId('race');
    const status = race.getByTestId('race-status');
    await expect(status).toContainText('At 128 tokens', { timeout: 60_000 });

    await page.evaluate(() => document.querySelector('la-race')!.setAttribute('tokens', '256'));
    await expect(race.getByRole('slider', { name: /Context length/ })).toHaveAttribute(
      'aria-valuetext',
      '256 tokens',
    );
    await expect(status).toContainText('At 256 tokens', { timeout: 60_000 });
    if (webgpu) await expect(status).toContainText('on your GPU');

    await page.evaluate(() => document.querySelector('la-race')!.setAttribute('heads', '2'));
    await expect(race.getByRole('combobox', { name: 'Heads' })).toHaveValue('2');
    await expect(race.getByTestId('race-fineprint')).toContainText('with 2 heads');
    if (webgpu) {
      await expect(race).toHaveAttribute('data-source', 'live', { timeout: 60_000 });
      await expect(race.getByTestId('race-yours')).toContainText('Your GPU, 256 tokens');
      await expect(race).toHaveAttribute('data-running', 'false', { timeout: 60_000 });
    }
    await expect(race.getByTestId('race-failure')).toHaveCount(0);
  });

  test('choosing gated chunked runs it, on your GPU and in the reference bars', async ({
    page,
    webgpu,
  }, testInfo) => {
    await page.goto('/widgets-test/');
    await expect(page.locator('body[data-ready="true"]')).toBeAttached();
    const race = page.getByTestId('race');
    const status = race.getByTestId('race-status');
    await expect(status).toContainText('At 128 tokens', { timeout: 60_000 });
    if (webgpu) await expect(race).toHaveAttribute('data-running', 'false', { timeout: 60_000 });

    const linear = race.getByRole('combobox', { name: 'Linear' });
    await expect(linear).toHaveValue('linear-chunked');
    await linear.selectOption('gated-chunked');
    await expect(race).toHaveAttribute('data-linear-form', 'gated-chunked');
    await expect(race.getByTestId('race-reference')).toContainText('Gated linear, chunked (ours)');
    await expect(race.getByTestId('race-fineprint')).toContainText('random decays');
    await expect(race.getByTestId('race-fineprint')).toContainText('predict gated linear');
    if (webgpu) {
      // The gated kernels are compiled and timed: the reader's bars name the gated form.
      await expect(race).toHaveAttribute('data-running', 'true', { timeout: 10_000 });
      await expect(race).toHaveAttribute('data-running', 'false', { timeout: 120_000 });
      await expect(race).toHaveAttribute('data-source', 'live');
      await expect(race.getByTestId('race-yours')).toContainText('Gated linear, chunked (ours)');
      await expect(race.getByTestId('race-yours')).not.toContainText('Linear, chunked (ours)');
      await expect(status).toContainText(/on your GPU: .*gated linear/);
    } else {
      await expect(status).toContainText('gated linear');
    }
    await expect(race.getByTestId('race-failure')).toHaveCount(0);
    await race.screenshot({
      path: `${SCREENSHOTS}/${testInfo.project.name}/race-gated-widgets-test.png`,
    });

    // A bad attribute value gets one sentence (and the default, which leaves the reader's own
    // choice alone: the attribute's value did not change); a good one sets the form.
    const warnings: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'warning') warnings.push(m.text());
    });
    await page.evaluate(() =>
      document.querySelector('la-race')!.setAttribute('linear-form', 'quadratic'),
    );
    await expect
      .poll(() => warnings.join('\n'))
      .toContain(
        'linear-form="quadratic" is not one of linear-chunked, gated-chunked; using the default, linear-chunked.',
      );
    await expect(linear).toHaveValue('gated-chunked');
    await page.evaluate(() =>
      document.querySelector('la-race')!.setAttribute('softmax-form', 'softmax-naive'),
    );
    await expect(race.getByRole('combobox', { name: 'Softmax' })).toHaveValue('softmax-naive');
    await expect(race.getByTestId('race-reference')).toContainText('Softmax, naive (ours)');
  });

  test('without WebGPU the article shows one notice, and the widgets point to it', async ({
    page,
    webgpu,
  }) => {
    test.skip(webgpu, 'the no-WebGPU path');
    await openArticle(page);
    await expect(page.getByTestId('gpu-panel')).toContainText('No live measurements here');
    // Every widget has rendered its device note by now.
    const notes = page.getByTestId('device-note');
    await expect(notes.first()).toHaveAttribute('data-gpu-state', 'unsupported');
    // The page's reason, given once: in the panel at the top, nowhere else.
    const panel = await page.getByTestId('gpu-panel').innerText();
    const reason = panel.match(
      /This browser does not offer WebGPU|WebGPU is present but no GPU/,
    )?.[0];
    expect(reason, 'the reason in the page notice').toBeTruthy();
    const body = await page.locator('body').innerText();
    expect(body.split(reason!).length - 1, 'times the reason is given').toBe(1);
    for (const note of await notes.all()) {
      await expect(note).not.toContainText('Live run unavailable');
    }
    await expect(page.getByTestId('device-note-pointer').first()).toContainText('why');
  });

  test('screenshots at 390 and 1440 px, both themes, during and after a run', async ({
    page,
    webgpu,
  }, testInfo) => {
    test.skip(!webgpu, 'the live states need WebGPU');
    test.setTimeout(240_000);
    const race = await openArticle(page);
    const shoot = async (name: string) =>
      race.screenshot({ path: `${SCREENSHOTS}/${testInfo.project.name}/race-${name}.png` });
    await expect(race).toHaveAttribute('data-running', 'true', { timeout: 30_000 });
    await shoot('1440-light-during');
    await expect(race).toHaveAttribute('data-running', 'false', { timeout: 120_000 });
    await shoot('1440-light-after');
    await setTheme(page, 'dark');
    await shoot('1440-dark-after');
    await page.setViewportSize({ width: 390, height: 844 });
    await shoot('390-dark-after');
    await setTheme(page, 'light');
    await shoot('390-light-after');
    // A new head dimension needs its kernels compiled: a run that stays under way for a while.
    await race.getByRole('combobox', { name: 'Head dimension' }).selectOption('32');
    await expect(race).toHaveAttribute('data-running', 'true', { timeout: 10_000 });
    await shoot('390-light-during');
    await setTheme(page, 'dark');
    await shoot('390-dark-during');
    await page.setViewportSize({ width: 1440, height: 900 });
    await shoot('1440-dark-during');
    await expect(race).toHaveAttribute('data-running', 'false', { timeout: 120_000 });
  });
});
