import AxeBuilder from '@axe-core/playwright';
import { gzipSync } from 'node:zlib';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';

/** The widgets the article embeds, each once (the timing chart twice, in its two views). */
const WIDGET_TAGS = [
  'la-race',
  'la-timing-chart',
  'la-recurrence',
  'la-costs',
  'la-chunk-tuner',
  'la-generation',
  'la-mask',
  'la-learning',
];

const SCREENSHOTS = process.env.SCREENSHOTS_DIR ?? 'test-results/screenshots';

/**
 * Scrolls a heading to the top without waiting for the page to be still: live widgets above it may
 * keep resizing while they measure, and a screenshot of that is fine.
 */
async function scrollTo(page: Page, id: string): Promise<void> {
  await page.evaluate((target) => document.getElementById(target)!.scrollIntoView(), id);
  await page.waitForTimeout(150);
}

/** Text nodes of the article body outside KaTeX output and code, where raw TeX must not survive. */
async function proseText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const body = document.querySelector('.post-body');
    if (!body) return '';
    const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT, {
      acceptNode: (node) =>
        node.parentElement?.closest('.katex, pre, code, script, style')
          ? NodeFilter.FILTER_REJECT
          : NodeFilter.FILTER_ACCEPT,
    });
    const parts: string[] = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode())
      parts.push(node.nodeValue ?? '');
    return parts.join(' ');
  });
}

test.describe('the article', () => {
  test('renders its title block, sections, equations, figures, citations and notes', async ({
    page,
  }) => {
    await page.goto('/');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(
      'Linear attention, measured on your GPU',
    );
    await expect(page.locator('.post-meta')).toContainText('Reading time');

    const sections = page.locator('.post-body h2');
    expect(await sections.count()).toBeGreaterThanOrEqual(10);
    for (const name of [
      'The quadratic cost, and the claim',
      'From softmax attention to linear attention',
      'Two ways to compute one function',
      'Making it fast on a GPU',
      'Measured',
      'Generating text',
      'The catch: learning quality',
      'Related work',
      'Acknowledgements',
      'References',
      'Notes',
      'Citation',
    ]) {
      await expect(page.locator('.post-body h2', { hasText: name }).first()).toBeVisible();
    }

    // Equations: numbered display maths rendered by KaTeX at build time, no TeX left in prose.
    const equations = page.locator('.equation .katex-display');
    expect(await equations.count()).toBeGreaterThanOrEqual(10);
    await expect(page.locator('#eq-recurrence .katex')).toBeVisible();
    await expect(page.locator('#eq-recurrence .tag')).toContainText('5');
    expect(await page.locator('.post-body .katex-error, .tex-error').count()).toBe(0);
    const prose = await proseText(page);
    expect(prose).not.toMatch(/\$|\\[a-zA-Z]+\{|\\(frac|sum|left|right|mathcal)/);

    // Cross-references resolve to numbered targets.
    const xrefs = page.locator('a.xref');
    expect(await xrefs.count()).toBeGreaterThan(5);
    for (const xref of await xrefs.all()) {
      const href = (await xref.getAttribute('href'))!;
      await expect(page.locator(href)).toHaveCount(1);
      await expect(xref).toHaveText(/^(Figure|Table|Equation|Section)\s\(?\d+\)?$/);
    }

    // Figures and tables carry numbered captions, and every widget sits in one.
    const captions = page.locator('figure.figure > figcaption');
    expect(await captions.count()).toBeGreaterThanOrEqual(8);
    for (const caption of await captions.all()) {
      await expect(caption.locator('.caption-label')).toHaveText(/^(Figure|Table) \d+\.$/);
    }
    for (const tag of WIDGET_TAGS) {
      // The timing chart twice: forward passes (#fig-timing) and training steps (#fig-training).
      await expect(page.locator(`figure.figure > ${tag}`)).toHaveCount(
        tag === 'la-timing-chart' ? 2 : 1,
      );
    }

    // Citations link to entries of the generated reference list.
    const citations = page.locator('a.citation');
    expect(await citations.count()).toBeGreaterThan(10);
    const references = page.locator('ol.references > li');
    expect(await references.count()).toBeGreaterThanOrEqual(10);
    for (const citation of await citations.all()) {
      const href = (await citation.getAttribute('href'))!;
      await expect(page.locator(`ol.references > li${href}`)).toHaveCount(1);
    }
    await expect(page.locator('ol.references')).toContainText('Linear Transformers Are Faster');

    // Footnotes: one note per reference, with a way back.
    const refs = page.locator('.footnote-ref a');
    expect(await refs.count()).toBeGreaterThanOrEqual(3);
    await expect(page.locator('ol.notes > li')).toHaveCount(await refs.count());
    await expect(page.locator('ol.notes .footnote-back').first()).toHaveAttribute(
      'href',
      '#fnref-1',
    );

    // The kernels shown are the real WGSL files, highlighted, with copy buttons.
    await expect(page.locator('details.kernel').first()).toBeAttached();
    await expect(page.locator('.code-block[data-lang="wgsl"] pre.shiki').first()).toBeAttached();
    await expect(page.locator('.appendix .copy-button')).toBeVisible();
    await expect(page.locator('.appendix .code-block[data-lang="bibtex"]')).toContainText('@misc');
  });

  test('citation and footnote previews appear on hover', async ({ page }) => {
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto('/');
    const citation = page.locator('a.citation').first();
    await citation.hover();
    const popup = page.locator('.preview-popup');
    await expect(popup).toBeVisible();
    await expect(popup).toContainText('Buckman');
    await page.mouse.move(5, 5);
    await expect(popup).toBeHidden();

    const note = page.locator('.footnote-ref a').first();
    await note.focus();
    await expect(popup).toBeVisible();
    await expect(popup).toContainText('scale');
    // Equation references preview the equation itself.
    await page.locator('a.xref[href="#eq-recurrence"]').first().hover();
    await expect(popup.locator('.katex-display')).toBeVisible();

    // On wide screens the same note also sits in the margin.
    await expect(page.locator('.sidenote').first()).toBeVisible();
  });

  test('margin notes and asides never overlap, at desktop and tablet widths', async ({ page }) => {
    for (const width of [1440, 1024]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto('/');
      await page.evaluate(() => document.fonts.ready);
      await expect
        .poll(async () =>
          page.evaluate(() => {
            const boxes = [
              ...document.querySelectorAll<HTMLElement>('.aside-body, .post-body .sidenote'),
            ]
              .map((el) => el.getBoundingClientRect())
              .filter((box) => box.height > 0)
              .sort((a, b) => a.top - b.top);
            let overlaps = 0;
            for (let i = 1; i < boxes.length; i++) {
              if (boxes[i]!.top < boxes[i - 1]!.bottom - 0.5) overlaps++;
            }
            const inMargin = boxes.every(
              (box) =>
                box.left > document.querySelector('.post-body p')!.getBoundingClientRect().right,
            );
            return boxes.length > 5 && inMargin ? overlaps : -1;
          }),
        )
        .toBe(0);
    }
  });

  test('on a phone, notes move out of the margin and open on tap', async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('/');
    await expect(page.locator('.sidenote').first()).toBeHidden();
    const note = page.locator('.footnote-ref a').first();
    await note.scrollIntoViewIfNeeded();
    await note.click();
    await expect(page.locator('.preview-popup')).toBeVisible();
    await expect(page.locator('.preview-popup')).toContainText('scale');
    // The contents collapse to a bar that opens on demand.
    const toc = page.locator('.toc-details');
    await expect(toc).not.toHaveAttribute('open', '');
    await page.locator('.toc summary').click();
    await expect(page.locator('.toc-list')).toBeVisible();
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow, 'no horizontal scrolling at 390 px').toBeLessThanOrEqual(0);
  });

  test('the contents link to every section and follow the scroll', async ({ page }) => {
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto('/');
    const links = page.locator('.toc a[data-toc-target]');
    expect(await links.count()).toBeGreaterThanOrEqual(10);
    for (const link of await links.all()) {
      const id = (await link.getAttribute('data-toc-target'))!;
      await expect(page.locator(`[id="${id}"]`)).toHaveCount(1);
    }
    await page.locator('.toc a[href="#sec-generation"]').click();
    await expect(page).toHaveURL(/#sec-generation$/);
    await expect(page.locator('.toc a[aria-current="location"]')).toHaveAttribute(
      'href',
      '#sec-generation',
    );
    await page.evaluate(() => {
      const top = document.getElementById('sec-derivation')!.getBoundingClientRect().top;
      window.scrollBy(0, top - 100);
    });
    await expect(page.locator('.toc a[aria-current="location"]')).toHaveAttribute(
      'href',
      '#sec-derivation',
    );
  });

  test('the theme toggle switches to dark and back, and remembers it', async ({ page }) => {
    await page.goto('/');
    const toggle = page.locator('.theme-toggle');
    const before = await toggle.getAttribute('aria-pressed');
    await toggle.click();
    const after = await toggle.getAttribute('aria-pressed');
    expect(after).not.toBe(before);
    const theme = await page.evaluate(() => document.documentElement.dataset.theme);
    expect(theme).toBe(after === 'true' ? 'dark' : 'light');
    await page.reload();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe(theme);
  });

  /** Serious and critical axe violations on the article page, in one theme. */
  async function seriousViolations(page: Page, theme: string, scope: 'page' | 'widgets') {
    await page.addInitScript((t) => localStorage.setItem('la-theme', t), theme);
    await page.goto('/');
    await expect(page.getByTestId('gpu-panel')).toBeVisible();
    let axe = new AxeBuilder({ page });
    if (scope === 'page') for (const tag of WIDGET_TAGS) axe = axe.exclude(tag);
    else axe = axe.include(WIDGET_TAGS.join(', '));
    const results = await axe.analyze();
    return results.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${theme}: ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }

  test('the article has no serious or critical accessibility violations, in both themes', async ({
    page,
  }) => {
    for (const theme of ['light', 'dark']) {
      expect(await seriousViolations(page, theme, 'page')).toEqual([]);
    }
  });

  test('the widgets in the article have no serious or critical accessibility violations', async ({
    page,
  }) => {
    for (const theme of ['light', 'dark']) {
      expect(await seriousViolations(page, theme, 'widgets')).toEqual([]);
    }
  });

  test('the list of posts links to every post, and each post has its own page', async ({
    page,
  }) => {
    await page.goto('/posts/');
    await expect(page.getByRole('heading', { level: 1, name: 'Posts' })).toBeVisible();
    const link = page.locator('.post-list a').first();
    await expect(link).toHaveText('Linear attention, measured on your GPU');
    await link.click();
    await expect(page).toHaveURL(/\/posts\/linear-attention\/$/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(
      'Linear attention, measured on your GPU',
    );
    await expect(page.getByTestId('gpu-panel')).toBeVisible();
  });

  // 213.0 KB on 2026-12-01 (budget raised to 220 for a night); back under 200 on 2026-12-02 by
  // deleting forced-only kernels and shipping the kernels without their comments
  // (site/build/wgsl-comments-plugin.ts): 183.4 KB, then 185.5 KB once the f16 chunked and the
  // split recurrent kernels joined; 169.2 KB once the widgets imported the sweeps they use
  // directly, not through gpu/sweep.ts, whose training sweeps pulled the backward and training
  // kernels into the first load (the learning widget loads the trainer when it runs).
  test("the page's own JavaScript stays within 200 KB gzipped", async ({ page }) => {
    const sizes = new Map<string, number>();
    page.on('response', async (response) => {
      const url = response.url();
      if (!/\.m?js(\?|$)/.test(url)) return;
      sizes.set(url, gzipSync(await response.body(), { level: 9 }).length);
    });
    await page.goto('/');
    await expect(page.getByTestId('gpu-panel')).toBeVisible();
    await page.waitForLoadState('networkidle');
    const total = [...sizes.values()].reduce((a, b) => a + b, 0);
    console.log(
      `article JavaScript: ${(total / 1024).toFixed(1)} KB gzipped in ${sizes.size} files`,
    );
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThanOrEqual(200 * 1024);
  });

  test('prints without the navigation, with asides in the text', async ({ page }) => {
    await page.goto('/');
    await page.emulateMedia({ media: 'print' });
    await expect(page.locator('.toc')).toBeHidden();
    await expect(page.locator('.theme-toggle')).toBeHidden();
    await expect(page.locator('.post-body > .aside').first()).toBeVisible();
    await expect(page.locator('#eq-recurrence .katex')).toBeVisible();
  });

  test('screenshots at 1440 px and 390 px', async ({ page }, testInfo) => {
    const project = testInfo.project.name;
    for (const [width, height] of [
      [1440, 1000],
      [390, 844],
    ] as const) {
      await page.setViewportSize({ width, height });
      await page.goto('/');
      await expect(page.getByTestId('gpu-panel')).toBeVisible();
      await page.screenshot({ path: `${SCREENSHOTS}/article-${project}-${width}-top.png` });
      await scrollTo(page, 'sec-derivation');
      await page.screenshot({ path: `${SCREENSHOTS}/article-${project}-${width}-derivation.png` });
      await scrollTo(page, 'sec-gpu');
      await page.screenshot({ path: `${SCREENSHOTS}/article-${project}-${width}-gpu.png` });
      await scrollTo(page, 'sec-measured');
      await page.screenshot({ path: `${SCREENSHOTS}/article-${project}-${width}-measured.png` });
      await scrollTo(page, 'sec-catch');
      await page.screenshot({ path: `${SCREENSHOTS}/article-${project}-${width}-catch.png` });
      await scrollTo(page, 'fig-learning');
      await page.screenshot({ path: `${SCREENSHOTS}/article-${project}-${width}-learning.png` });
      await scrollTo(page, 'related-work');
      await page.screenshot({ path: `${SCREENSHOTS}/article-${project}-${width}-appendix.png` });
      await scrollTo(page, 'notes');
      await page.screenshot({ path: `${SCREENSHOTS}/article-${project}-${width}-notes.png` });
      await page.screenshot({
        path: `${SCREENSHOTS}/article-${project}-${width}-full.png`,
        fullPage: true,
      });
    }
    // A tablet width: contents in a bar, the margin column still beside the text.
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.goto('/');
    await scrollTo(page, 'sec-claim');
    await page.screenshot({ path: `${SCREENSHOTS}/article-${project}-1024-claim.png` });
    await page.goto('/posts/');
    await page.screenshot({ path: `${SCREENSHOTS}/posts-${project}-1024.png` });

    // The dark theme, with an open kernel listing and a table.
    await page.goto('/');
    await page.setViewportSize({ width: 1440, height: 1000 });
    await page.evaluate(() => (document.documentElement.dataset.theme = 'dark'));
    await page.locator('details.kernel summary').first().click();
    await page.evaluate(() => document.querySelector('details.kernel')!.scrollIntoView());
    await page.screenshot({ path: `${SCREENSHOTS}/article-${project}-1440-dark-kernels.png` });
    await scrollTo(page, 'tbl-h100');
    await page.screenshot({ path: `${SCREENSHOTS}/article-${project}-1440-dark-table.png` });
  });
});
