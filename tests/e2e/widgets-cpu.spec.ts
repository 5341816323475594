import AxeBuilder from '@axe-core/playwright';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';

const SCREENSHOTS = process.env.SCREENSHOTS_DIR ?? 'test-results/screenshots';
const CATALOG = '/widgets/';
const ALL_TAGS = [
  'la-chunk-tuner',
  'la-costs',
  'la-generation',
  'la-learning',
  'la-mask',
  'la-race',
  'la-recurrence',
  'la-timing-chart',
];

/** "−0.12" (true minus) -> -0.12. */
const parseCell = (text: string) => Number(text.trim().replace('−', '-'));

async function cellNumbers(table: Locator): Promise<number[]> {
  return (await table.locator('td').allTextContents()).map(parseCell);
}

async function position(widget: Locator): Promise<number> {
  return Number(await widget.getByTestId('rec-position').textContent());
}

/** The GPU widgets of the catalogue may run kernels; these tests only need the CPU ones. */
async function openCatalog(page: Page): Promise<void> {
  await page.goto(CATALOG);
  await expect(page.locator('la-recurrence [data-testid="recurrence"]')).toBeVisible();
}

test.describe('the CPU widgets and the course-author page', () => {
  test('the course-author page lists all eight tags with attribute tables and live examples', async ({
    page,
  }) => {
    await page.goto(CATALOG);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Widgets for course authors');
    const entries = page.getByTestId('catalog-entry');
    await expect(entries).toHaveCount(ALL_TAGS.length);
    expect(await entries.evaluateAll((els) => els.map((e) => e.getAttribute('data-tag')))).toEqual(
      ALL_TAGS,
    );
    for (const tag of ALL_TAGS) {
      const entry = page.locator(`[data-testid="catalog-entry"][data-tag="${tag}"]`);
      await expect(entry.getByRole('heading', { level: 2 })).toContainText(`<${tag}>`);
      const rows = entry.getByTestId('attributes').locator('tbody tr');
      expect(await rows.count(), `${tag} documents its attributes`).toBeGreaterThan(0);
      for (const row of await rows.all()) {
        // name, type, default, description: none empty
        const cells = (await row.locator('th, td').allTextContents()).map((t) => t.trim());
        expect(cells, `${tag}: ${cells.join(' | ')}`).toHaveLength(4);
        expect(cells[0]).not.toBe('');
        expect(cells[1]).not.toBe('');
        expect(cells[3]).not.toBe('');
      }
      // The live example is the element itself, defined (upgraded) by the page's script.
      const live = entry.getByTestId('example').locator(tag);
      await expect(live).toHaveCount(1);
      expect(await live.evaluate((el) => customElements.get(el.localName) !== undefined)).toBe(
        true,
      );
    }
    await expect(page.getByTestId('embed-snippet')).toContainText(
      /<script type="module" src="http:\/\/127\.0\.0\.1:\d+\/embed\/widgets\.js"><\/script>/,
    );
  });

  test('the recurrence shows equal outputs for both forms at every token, and the right ones', async ({
    page,
  }) => {
    await openCatalog(page);
    const widget = page.locator('la-recurrence').first();
    await widget.scrollIntoViewIfNeeded();
    // Equations typeset by KaTeX at runtime, with the new term highlighted.
    await expect(widget.getByTestId('rec-state-eq').locator('.katex')).toBeVisible();
    await expect(widget.getByTestId('rec-state-eq').locator('.la-rec-new')).toHaveCount(1);

    const inputs: { q: number[]; k: number[]; v: number[] }[] = [];
    const tokens = Number(await widget.locator('input[type="range"]').getAttribute('max'));
    expect(tokens).toBe(8);
    for (let t = 1; t <= tokens; t++) {
      await expect(widget.getByTestId('rec-position')).toHaveText(String(t));
      const box = widget.getByTestId('rec-inputs');
      const read = async (name: string) =>
        JSON.parse((await box.locator(`[data-${name}]`).getAttribute(`data-${name}`)) ?? '[]');
      inputs.push({ q: await read('q'), k: await read('k'), v: await read('v') });

      const state = await cellNumbers(widget.getByTestId('rec-y-state'));
      const attention = await cellNumbers(widget.getByTestId('rec-y-attention'));
      expect(state).toHaveLength(4);
      expect(attention, `token ${t}: attention form equals state form`).toEqual(state);
      await expect(widget.getByTestId('rec-check')).toHaveAttribute('data-equal', 'true');
      await expect(widget.getByTestId('rec-check')).toContainText('Equal');

      // Recompute y_t = sum_j (q_t . k_j) v_j from the displayed inputs, independently of the widget.
      const q = inputs[t - 1]!.q;
      const expected = q.map((_, i) =>
        inputs.reduce((sum, { k, v }) => sum + q.reduce((s, x, m) => s + x * k[m]!, 0) * v[i]!, 0),
      );
      expected.forEach((y, i) => expect(Math.abs(y - state[i]!)).toBeLessThanOrEqual(0.00051));
      expect(
        state.some((y) => y !== 0),
        'outputs are not all zero',
      ).toBe(true);

      // Step forward: by mouse for the first half, by keyboard for the rest.
      if (t < tokens) {
        if (t <= tokens / 2) await widget.getByTestId('rec-forward').click();
        else {
          await widget.getByTestId('rec-forward').focus();
          await page.keyboard.press('Enter');
        }
      }
    }
    await expect(widget.getByTestId('rec-forward')).toBeDisabled();
  });

  test('the recurrence plays, pauses, steps back and resets by mouse and keyboard', async ({
    page,
  }) => {
    await openCatalog(page);
    const widget = page.locator('la-recurrence').first();
    await widget.scrollIntoViewIfNeeded();
    const play = widget.getByTestId('rec-play');

    await play.click();
    await expect(play).toHaveAttribute('aria-pressed', 'true');
    await expect.poll(() => position(widget), { timeout: 5000 }).toBeGreaterThanOrEqual(3);
    await play.click();
    await expect(play).toHaveAttribute('aria-pressed', 'false');
    const paused = await position(widget);
    await page.waitForTimeout(1600);
    expect(await position(widget), 'paused: no more steps').toBe(paused);

    await widget.getByTestId('rec-back').click();
    expect(await position(widget)).toBe(paused - 1);
    await widget.getByTestId('rec-reset').click();
    expect(await position(widget)).toBe(1);
    await expect(widget.getByTestId('rec-back')).toBeDisabled();

    // Keyboard: Space plays and pauses; Tab reaches the controls with a visible focus ring.
    await play.focus();
    await page.keyboard.press('Space');
    await expect(play).toHaveAttribute('aria-pressed', 'true');
    await expect.poll(() => position(widget), { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    await page.keyboard.press('Space');
    await expect(play).toHaveAttribute('aria-pressed', 'false');
    await widget.getByTestId('rec-reset').focus();
    await page.keyboard.press('Enter');
    expect(await position(widget)).toBe(1);
    await page.keyboard.press('Tab'); // Back is disabled at token 1, so focus lands on Play.
    await expect(play).toBeFocused();
    const outline = await play.evaluate((el) => getComputedStyle(el).outlineStyle);
    expect(outline).toBe('solid');

    // The token slider answers arrow keys; "New numbers" draws other inputs, still equal.
    await widget.locator('input[type="range"]').focus();
    await page.keyboard.press('End');
    expect(await position(widget)).toBe(8);
    const before = await widget.getByTestId('rec-inputs').textContent();
    await widget.getByTestId('rec-new').click();
    expect(await position(widget)).toBe(1);
    await expect(widget.getByTestId('rec-inputs')).not.toHaveText(before ?? '');
    await expect(widget.getByTestId('rec-check')).toHaveAttribute('data-equal', 'true');

    await widget.getByRole('button', { name: /every token as a table/ }).click();
    await expect(widget.getByTestId('rec-table').locator('tbody tr')).toHaveCount(8);
    expect(
      await widget.getByTestId('rec-table').locator('tbody td:last-child').allTextContents(),
    ).toEqual(Array(8).fill('yes'));
  });

  test('the cost explorer answers its sliders from the keyboard', async ({ page }) => {
    await openCatalog(page);
    const widget = page.locator('la-costs').first();
    await widget.scrollIntoViewIfNeeded();
    const summary = widget.getByTestId('costs-summary');
    await expect(widget.getByTestId('costs-tokens')).toHaveText('8,192');
    const chunkedPath = widget.locator('path[data-form="linear-chunked"]');

    const s0 = await summary.textContent();
    await widget.getByTestId('costs-t').focus();
    await page.keyboard.press('ArrowRight');
    await expect(widget.getByTestId('costs-tokens')).toHaveText('16,384');
    await expect(widget.getByTestId('costs-t')).toHaveAttribute('aria-valuetext', '16,384 tokens');
    await expect(summary).not.toHaveText(s0 ?? '');
    await expect(summary).toContainText('T = 16,384');

    const d0 = await chunkedPath.getAttribute('d');
    await widget.getByTestId('costs-c').focus();
    await page.keyboard.press('ArrowRight');
    await expect(widget.getByTestId('costs-chunk')).toHaveText('128');
    expect(await chunkedPath.getAttribute('d'), 'the chunked line moves with c').not.toBe(d0);

    await widget.getByTestId('costs-d').focus();
    await page.keyboard.press('ArrowLeft');
    await expect(widget.getByTestId('costs-dim')).toHaveText('32');
    await expect(widget.getByTestId('costs-crossover')).toContainText('T = 65');
    await expect(summary).toContainText('breaks even with tiled softmax at T = 65');
    await expect(widget.getByTestId('costs-best')).toContainText('c = 16');

    await widget.getByRole('radio', { name: 'Memory' }).check();
    await expect(summary).toContainText('naive softmax holds');
    await widget.getByTestId('costs-table-toggle').click();
    await expect(widget.getByTestId('costs-table').locator('tbody tr')).toHaveCount(6);
  });

  test('the mask changes with the chunk size and the form', async ({ page }) => {
    await openCatalog(page);
    const widget = page.locator('la-mask').first();
    await widget.scrollIntoViewIfNeeded();
    const grid = widget.getByTestId('mask-grid');
    await expect(grid).toHaveAttribute('data-block', '8');
    // 32 tokens, chunks of 8: 4 blocks x 36 causal pairs scored, the remaining 384 via the state.
    await expect(widget.getByTestId('mask-count-score')).toHaveText('144');
    await expect(widget.getByTestId('mask-count-state')).toHaveText('384');

    await widget.getByTestId('mask-chunk').focus();
    await page.keyboard.press('ArrowRight');
    await expect(grid).toHaveAttribute('data-block', '16');
    await expect(widget.getByTestId('mask-count-score')).toHaveText('272');
    await expect(widget.getByTestId('mask-count-state')).toHaveText('256');
    expect(await grid.locator('rect.cell.masked').count()).toBe(2 * 120);
    await expect(widget.getByTestId('mask-summary')).toContainText('chunks of 16');

    await widget.getByTestId('mask-form-linear-recurrent').check();
    await expect(widget.getByTestId('mask-count-score')).toHaveText('0');
    await expect(widget.getByTestId('mask-count-state')).toHaveText('528');
    await widget.getByTestId('mask-form-softmax-flash').check();
    await expect(widget.getByTestId('mask-count-skipped')).toHaveText('256');

    // The grid takes arrow keys and says what happens to the pair under the cursor.
    await grid.focus();
    await page.keyboard.press('End');
    await expect(widget.getByTestId('mask-cursor')).toContainText('Query 32, key 32');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowUp');
    await expect(widget.getByTestId('mask-cursor')).toContainText('Query 31, key 32');
    await expect(widget.getByTestId('mask-cursor')).toContainText('masked');
    // Touch or mouse: pressing a cell selects it.
    const box = (await grid.boundingBox())!;
    await page.mouse.click(box.x + box.width * 0.1, box.y + box.height * 0.9);
    await expect(widget.getByTestId('mask-cursor')).toContainText('score');
  });

  test('the CPU widgets have no serious or critical accessibility violations, in both themes', async ({
    page,
  }) => {
    await openCatalog(page);
    for (const theme of ['light', 'dark'] as const) {
      await page.evaluate((t) => (document.documentElement.dataset.theme = t), theme);
      for (const tag of ['la-recurrence', 'la-costs', 'la-mask']) {
        await page.locator(tag).first().scrollIntoViewIfNeeded();
      }
      await expect(page.locator('la-recurrence .katex').first()).toBeVisible();
      const results = await new AxeBuilder({ page })
        .include('la-recurrence, la-costs, la-mask')
        .analyze();
      const serious = results.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${theme}: ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
      expect(serious).toEqual([]);
    }
  });

  test('a page on another origin embeds the widgets with the one script tag', async ({
    page,
    baseURL,
    consoleErrors,
  }) => {
    const bundle = new URL('/embed/widgets.js', baseURL).href;
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8" />
      <title>A course page</title>
      <script type="module" src="${bundle}"></script></head>
      <body style="font-family: serif; max-width: 50rem; margin: 1rem auto">
      <h1>Week 3: attention</h1><la-costs tokens="2048"></la-costs><la-recurrence seed="5"></la-recurrence>
      </body></html>`;
    const server: Server = createServer((_, response) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(html);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    expect(origin).not.toBe(new URL(baseURL!).origin);
    const failed: string[] = [];
    page.on('requestfailed', (request) => failed.push(request.url()));
    try {
      await page.goto(`${origin}/`);
      await expect(page.locator('la-costs [data-testid="costs-chart"]')).toBeVisible();
      await expect(page.locator('la-costs [data-testid="costs-tokens"]')).toHaveText('2,048');
      const recurrence = page.locator('la-recurrence');
      await expect(recurrence.getByTestId('rec-state-eq').locator('.katex')).toBeVisible();
      await expect(recurrence.getByTestId('rec-check')).toHaveAttribute('data-equal', 'true');
      // The tokens arrived (inside the widget's shadow root, not on the host page), and KaTeX's
      // fonts loaded from the widgets' host.
      expect(
        await recurrence.evaluate((el) =>
          getComputedStyle(el).getPropertyValue('--la-linear-recurrent'),
        ),
      ).not.toBe('');
      expect(
        await page.evaluate(() =>
          getComputedStyle(document.documentElement).getPropertyValue('--la-linear-recurrent'),
        ),
      ).toBe('');
      const fonts = await page.evaluate(async () => {
        await document.fonts.ready;
        return [...document.fonts]
          .filter((f) => f.family.includes('KaTeX') && f.status === 'loaded')
          .map((f) => f.family);
      });
      expect(fonts).toContain('KaTeX_Main');
      expect(failed).toEqual([]);
      expect(consoleErrors).toEqual([]);
    } finally {
      await new Promise((done) => server.close(done));
    }
  });

  test('screenshots of each CPU widget in light and dark, wide and at 390 px', async ({
    page,
  }, testInfo) => {
    test.skip(testInfo.project.name !== 'no-webgpu', 'one set of screenshots is enough');
    for (const width of [1200, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await openCatalog(page);
      await page.screenshot({ path: `${SCREENSHOTS}/widgets-page-top-light-${width}.png` });
      for (const theme of ['light', 'dark'] as const) {
        await page.evaluate((t) => (document.documentElement.dataset.theme = t), theme);
        for (const tag of ['la-recurrence', 'la-costs', 'la-mask']) {
          const widget = page.locator(tag).first();
          await widget.scrollIntoViewIfNeeded();
          if (tag === 'la-recurrence') {
            // Mid-sequence, where the state and the scores row have something to show.
            await widget.locator('input[type="range"]').fill('5');
            await expect(widget.locator('.katex').first()).toBeVisible();
            await page.evaluate(() => document.fonts.ready);
          }
          // Nothing may stick out sideways on a phone.
          const overflow = await widget.evaluate((el) => el.scrollWidth - el.clientWidth);
          expect(overflow, `${tag} at ${width}px overflows`).toBeLessThanOrEqual(1);
          await widget.screenshot({ path: `${SCREENSHOTS}/${tag}-${theme}-${width}.png` });
        }
      }
    }
    const pageOverflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(pageOverflow, 'the course-author page fits 390 px').toBeLessThanOrEqual(1);
    await page.screenshot({ path: `${SCREENSHOTS}/widgets-page-dark-390.png` });
  });
});
