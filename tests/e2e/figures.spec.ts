import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';

const SCREENSHOTS = process.env.SCREENSHOTS_DIR ?? 'test-results/screenshots';

/** Waits for the KaTeX fonts, which change every equation's width once they load. */
async function fontsReady(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await document.fonts.ready;
  });
}

test.describe('equation numbers', () => {
  for (const width of [360, 390, 768, 1440]) {
    test(`never cover their equations at ${width} px`, async ({ page }) => {
      await page.setViewportSize({ width, height: 900 });
      await page.goto('/');
      await fontsReady(page);
      const tags = await page.evaluate(() =>
        [...document.querySelectorAll('.post-body .equation')].flatMap((equation) => {
          const tag = equation.querySelector('.katex-html > .tag');
          if (!tag) return [];
          const t = tag.getBoundingClientRect();
          const box = equation.getBoundingClientRect();
          // Every top-level piece of the equation (KaTeX splits display maths at relations).
          const overlapping = [...equation.querySelectorAll('.katex-html > .base')]
            .map((base) => base.getBoundingClientRect())
            .filter(
              (b) =>
                b.left < t.right - 0.5 &&
                t.left < b.right - 0.5 &&
                b.top < t.bottom - 0.5 &&
                t.top < b.bottom - 0.5,
            ).length;
          return [
            {
              id: equation.id,
              tag: tag.textContent ?? '',
              overlapping,
              // The number must be readable without scrolling the equation sideways.
              inside: t.left >= box.left - 0.5 && t.right <= box.right + 0.5,
            },
          ];
        }),
      );
      expect(tags.length).toBeGreaterThanOrEqual(8);
      for (const { id, tag, overlapping, inside } of tags) {
        expect(overlapping, `${tag} overlaps #${id} at ${width} px`).toBe(0);
        expect(inside, `${tag} of #${id} lies outside the column at ${width} px`).toBe(true);
      }
    });
  }
});

/** The article's figures this file looks at, by the id of their <figure>. */
const FIGURES = [
  'fig-recurrence',
  'fig-costs',
  'fig-chunk-tuner',
  'fig-timing',
  'fig-training',
] as const;

test.describe('figures of the article', () => {
  for (const theme of ['light', 'dark'] as const) {
    for (const width of [390, 1440]) {
      test(`screenshots in the ${theme} theme at ${width} px`, async ({ page }, testInfo) => {
        test.skip(testInfo.project.name !== 'no-webgpu', 'the reference data is what is drawn');
        await page.setViewportSize({ width, height: 900 });
        await page.emulateMedia({ colorScheme: 'light' });
        await page.goto('/');
        // The page's own toggle, as a reader would switch.
        const toggle = page.locator('.theme-toggle').first();
        if (theme === 'dark') await toggle.click();
        await expect(toggle).toHaveAttribute('aria-pressed', String(theme === 'dark'));
        await fontsReady(page);
        for (const id of FIGURES) {
          const figure = page.locator(`#${id}`);
          await figure.scrollIntoViewIfNeeded();
          await expect(figure.locator('svg, .katex').first()).toBeVisible();
          const overflow = await figure.evaluate((el) => el.scrollWidth - el.clientWidth);
          expect(overflow, `#${id} at ${width} px overflows`).toBeLessThanOrEqual(1);
          await figure.screenshot({ path: `${SCREENSHOTS}/figure-${id}-${theme}-${width}.png` });
        }
        await page.evaluate(() => document.getElementById('sec-derivation')!.scrollIntoView());
        await page.screenshot({ path: `${SCREENSHOTS}/figure-derivation-${theme}-${width}.png` });
        await page.screenshot({
          path: `${SCREENSHOTS}/figure-article-${theme}-${width}.png`,
          fullPage: true,
        });
      });
    }
  }
});

test.describe('the recurrence figure', () => {
  test('names its buttons by their visible labels and never leaves an operator at a line end', async ({
    page,
  }) => {
    for (const width of [390, 768, 1440]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto('/');
      const figure = page.locator('#fig-recurrence');
      await figure.scrollIntoViewIfNeeded();
      // Voice control: "click Next" must find the button, so the name contains the visible label.
      await expect(figure.getByRole('button', { name: 'Next', exact: true })).toBeVisible();
      await expect(figure.getByRole('button', { name: 'Back', exact: true })).toBeDisabled();
      await expect(figure.getByTestId('rec-check')).toContainText('largest difference 0 (exact)');
      await figure.locator('input[type="range"]').focus();
      await page.keyboard.press('End');
      await expect(figure.getByTestId('rec-position')).toHaveText('8');
      await expect(figure.getByTestId('rec-check')).not.toContainText('e+');
      // Each "+" or "=" sits on the same line as the matrix after it.
      const { shown, stranded } = await figure.evaluate((root) => {
        // The widget may render into its own shadow root.
        const scope = root.querySelector('la-recurrence')?.shadowRoot ?? root;
        const ops = [...scope.querySelectorAll('.matrices .op')].filter(
          (op) => getComputedStyle(op).display !== 'none',
        );
        const apart = ops.filter((op) => {
          const target = op.nextElementSibling;
          if (!target) return true;
          const a = op.getBoundingClientRect();
          const b = target.getBoundingClientRect();
          return b.top > a.bottom || b.bottom < a.top;
        });
        return { shown: ops.length, stranded: apart.length };
      });
      // In a narrow column (under 30rem) the operators move into the captions; wide, both are drawn.
      if (width >= 1440) expect(shown, `operators drawn at ${width} px`).toBe(2);
      expect(stranded, `operators apart from their matrix at ${width} px`).toBe(0);
    }
  });
});

test.describe('the timing chart', () => {
  test("describes the reader's run and says how the sweep ended", async ({ page, webgpu }) => {
    test.skip(!webgpu, 'needs WebGPU');
    await page.goto('/');
    const element = page.locator('#fig-timing la-timing-chart');
    test.setTimeout(240_000);
    // A short sweep on the CPU emulation: two lengths of one small head, every form.
    await element.evaluate((el) => {
      el.setAttribute('heads', '1');
      el.setAttribute('dim', '16');
      el.setAttribute('min-tokens', '128');
      el.setAttribute('max-tokens', '256');
    });
    const chart = page.locator('#fig-timing').getByTestId('timing-chart');
    await chart.scrollIntoViewIfNeeded();
    const summary = chart.getByTestId('chart-summary');
    await expect(summary).not.toContainText('your GPU');
    await chart.getByRole('button', { name: 'Run on your GPU' }).click();
    await expect(chart).toHaveAttribute('data-running', 'false', { timeout: 200_000 });
    await expect(chart.getByRole('status')).toContainText(/^Done/);
    await expect(chart.getByRole('status')).not.toContainText(/\b0 points measured/);
    await expect(summary).toContainText('your GPU');
    // The overlay of PyTorch's kernels is on from the start.
    await expect(chart.getByRole('checkbox', { name: /PyTorch on the same/ })).toBeChecked();
    await chart.screenshot({ path: `${SCREENSHOTS}/figure-fig-timing-live.png` });
  });
});
