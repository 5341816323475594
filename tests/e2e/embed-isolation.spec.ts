/**
 * The widgets embedded by script on a hostile host page (see host-page.ts): isolation both ways,
 * a strict Content-Security-Policy, the host's theme, two copies of the bundle, fallback content.
 */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { startHost, watchViolations } from './host-page.ts';

const SCREENSHOTS = process.env.SCREENSHOTS_DIR ?? 'test-results/screenshots';

/** The host's own elements, whose computed styles must not change when the widgets arrive. */
const HOST_MARKUP = `<h1 id="host-title">Week 3: attention</h1>
  <div class="host-panel" id="host-panel"><p id="host-para">Read this first.</p>
  <button id="host-button" type="button">Hidden by the host</button>
  <svg id="host-svg" width="200" height="20" viewBox="0 0 200 20"><rect width="200" height="20"></rect></svg>
  <input id="host-input" value="host input" /><a id="host-link" href="#x">a link</a></div>`;

const HOST_PROBES = [
  'host-title',
  'host-panel',
  'host-para',
  'host-button',
  'host-svg',
  'host-input',
  'host-link',
];
const PROBED_PROPERTIES = [
  'font-family',
  'font-size',
  'font-weight',
  'line-height',
  'color',
  'background-color',
  'padding-top',
  'margin-top',
  'display',
  'max-width',
  'width',
  'height',
  'border-top-color',
  'color-scheme',
  'letter-spacing',
  'text-transform',
  'box-sizing',
];

async function hostStyles(page: Page): Promise<Record<string, Record<string, string>>> {
  return page.evaluate(
    ({ ids, properties }) =>
      Object.fromEntries(
        ids.map((id) => {
          const style = getComputedStyle(document.getElementById(id)!);
          return [id, Object.fromEntries(properties.map((p) => [p, style.getPropertyValue(p)]))];
        }),
      ),
    { ids: HOST_PROBES, properties: PROBED_PROPERTIES },
  );
}

test.describe('embedding on a hostile host page', () => {
  test('three widgets on another origin, under a strict CSP, hostile CSS and a dark host theme, render, work, follow the theme, and leave the host styles alone', async ({
    page,
    baseURL,
  }) => {
    const widgetsOrigin = new URL(baseURL!).origin;
    const bundle = `${widgetsOrigin}/embed/widgets.js`;
    const widgets = `<la-costs tokens="2048"><p>The cost explorer (needs JavaScript).</p></la-costs>
      <la-recurrence seed="5" tokens="6"></la-recurrence>
      <la-race tokens="1024" autorun="false"></la-race>`;
    const host = await startHost(widgetsOrigin, {
      '/': `<script type="module" src="${bundle}"></script></head><body>${HOST_MARKUP}${widgets}</body></html>`,
      '/bare': `</head><body>${HOST_MARKUP}${widgets}</body></html>`,
    });
    expect(host.origin).not.toBe(widgetsOrigin);
    const violations = await watchViolations(page);
    try {
      await page.setViewportSize({ width: 1100, height: 900 });
      await page.goto(`${host.origin}/bare`);
      const without = await hostStyles(page);
      // Without the script, the fallback text inside the tag is what the reader sees.
      await expect(page.getByText('The cost explorer (needs JavaScript).')).toBeVisible();

      await page.goto(`${host.origin}/`);
      const costs = page.locator('la-costs');
      const recurrence = page.locator('la-recurrence');
      const race = page.locator('la-race');
      await expect(costs.getByTestId('costs-chart')).toBeVisible();
      await expect(costs.getByTestId('costs-tokens')).toHaveText('2,048');
      await expect(page.getByText('The cost explorer (needs JavaScript).')).toBeHidden();
      await expect(race.getByTestId('race')).toBeVisible();
      await recurrence.scrollIntoViewIfNeeded();
      await expect(recurrence.getByTestId('rec-state-eq').locator('.katex')).toBeVisible();

      // Each renders in its own shadow root.
      for (const tag of ['la-costs', 'la-recurrence', 'la-race']) {
        expect(await page.locator(tag).evaluate((el) => el.shadowRoot !== null), tag).toBe(true);
      }

      // The host's `button { display: none }`, `svg { max-width: 10px }` and `* { font }` stop at
      // the shadow boundary.
      const forward = recurrence.getByTestId('rec-forward');
      await expect(forward).toBeVisible();
      const chartWidth = await costs
        .getByTestId('costs-chart')
        .evaluate((el) => el.getBoundingClientRect().width);
      expect(chartWidth).toBeGreaterThan(200);
      const shellFont = await costs.evaluate((el) => {
        const shell = el.shadowRoot!.querySelector('.la-shell')!;
        const style = getComputedStyle(shell);
        return { family: style.fontFamily, size: style.fontSize };
      });
      expect(shellFont.family).not.toBe('serif');
      expect(shellFont.size).toBe('16px');

      // They work: click and keyboard.
      await forward.click();
      await expect(recurrence.getByTestId('rec-position')).toHaveText('2');
      await forward.focus();
      await page.keyboard.press('Enter');
      await expect(recurrence.getByTestId('rec-position')).toHaveText('3');
      const tSlider = costs.getByTestId('costs-t');
      await tSlider.focus();
      await page.keyboard.press('ArrowRight');
      await expect(costs.getByTestId('costs-tokens')).toHaveText('4,096');
      await costs.getByTestId('costs-table-toggle').click();
      await expect(costs.getByTestId('costs-table')).toBeVisible();

      // They follow the host's theme: dark now, light when the host switches.
      const shellColours = () =>
        page.evaluate(() =>
          ['la-costs', 'la-recurrence', 'la-race'].map((tag) => {
            const shell = document.querySelector(tag)!.shadowRoot!.querySelector('.la-shell')!;
            return getComputedStyle(shell).color;
          }),
        );
      expect(await shellColours()).toEqual(Array(3).fill('rgb(232, 230, 225)'));
      await page.screenshot({ path: `${SCREENSHOTS}/embed-hostile-dark.png`, fullPage: true });
      await page.evaluate(() => (document.documentElement.dataset.theme = 'light'));
      expect(await shellColours()).toEqual(Array(3).fill('rgb(29, 29, 31)'));
      await page.screenshot({ path: `${SCREENSHOTS}/embed-hostile-light.png`, fullPage: true });
      // An explicit theme wins over the host's.
      await race.evaluate((el) => el.setAttribute('theme', 'dark'));
      expect((await shellColours())[2]).toBe('rgb(232, 230, 225)');
      await page.evaluate(() => (document.documentElement.dataset.theme = 'dark'));

      // The host's own elements keep exactly the styles they had without the widgets.
      expect(await hostStyles(page)).toEqual(without);
      // No <style> element and no style attribute were added outside the shadow roots.
      expect(await page.locator('style').count()).toBe(0);
      expect(await violations()).toEqual([]);
    } finally {
      await host.close();
    }
  });

  test('two copies of the bundle on one page: nothing throws, and the second says once that it yields', async ({
    page,
    baseURL,
  }) => {
    const widgetsOrigin = new URL(baseURL!).origin;
    // The same bundle twice from our origin (one module graph, a no-op), then a copy at other URLs
    // (a separate module graph, as a second version would be).
    const host = await startHost(widgetsOrigin, {
      '/': `<script type="module" src="${widgetsOrigin}/embed/widgets.js"></script>
        <script type="module" src="${widgetsOrigin}/embed/widgets.js"></script>
        <script type="module" src="/copy/embed/widgets.js"></script>
        </head><body><la-mask tokens="16"></la-mask><la-costs></la-costs></body></html>`,
    });
    const infos: string[] = [];
    page.on('console', (m) => {
      if (m.text().includes('already defined')) infos.push(m.text());
    });
    const violations = await watchViolations(page);
    try {
      await page.goto(`${host.origin}/`);
      await expect(page.locator('la-mask').getByTestId('mask-grid')).toBeVisible();
      await expect(page.locator('la-costs').getByTestId('costs-chart')).toBeVisible();
      await expect.poll(() => infos.length).toBe(1);
      expect(infos[0]).toMatch(
        /already defined by version \d+\.\d+\.\d+; this copy leaves them to it/,
      );
      expect(await page.locator('la-mask').evaluate((el) => el.shadowRoot!.childElementCount)).toBe(
        1,
      );
      expect(await violations()).toEqual([]);
    } finally {
      await host.close();
    }
  });

  test('fallback content stays when the bundle cannot load', async ({
    page,
    baseURL,
    consoleErrors,
  }) => {
    const widgetsOrigin = new URL(baseURL!).origin;
    const host = await startHost(widgetsOrigin, {
      '/': `<script type="module" src="${widgetsOrigin}/embed/missing.js"></script></head><body>
        <la-race tokens="4096"><img alt="The race at 4,096 tokens" src="data:," />On the reference GPU, linear attention wins at 4,096 tokens.</la-race></body></html>`,
    });
    try {
      await page.goto(`${host.origin}/`);
      await expect(page.getByText('On the reference GPU, linear attention wins')).toBeVisible();
      expect(await page.locator('la-race').evaluate((el) => el.shadowRoot)).toBeNull();
    } finally {
      await host.close();
      // The failed script load is the point of this test, not an error of ours.
      consoleErrors.splice(0, consoleErrors.length);
    }
  });

  test("the article's widget tags carry fallback text from the reference data, hidden once the widgets load and shown without JavaScript", async ({
    page,
    browser,
    baseURL,
  }) => {
    await page.goto('/');
    const fallbacks = page.locator('.la-fallback');
    expect(await fallbacks.count()).toBeGreaterThanOrEqual(7);
    await expect(page.locator('la-race')).toHaveJSProperty('isConnected', true);
    await expect
      .poll(() => page.locator('la-race').evaluate((el) => el.shadowRoot !== null))
      .toBe(true);
    for (const f of await fallbacks.all()) await expect(f).toBeHidden();

    const context = await browser.newContext({ javaScriptEnabled: false, baseURL });
    try {
      const still = await context.newPage();
      await still.goto('/');
      const race = still.locator('la-race .la-fallback');
      await expect(race).toBeVisible();
      await expect(race).toContainText(
        /On the NVIDIA H200, at [\d,]+ tokens .* tiled softmax attention took/,
      );
    } finally {
      await context.close();
    }
  });

  test('under the strict CSP, styles set while the reader interacts (chart tooltip, mask grid, legend) cause no violation', async ({
    page,
    baseURL,
  }) => {
    const widgetsOrigin = new URL(baseURL!).origin;
    const host = await startHost(widgetsOrigin, {
      '/': `<script type="module" src="${widgetsOrigin}/embed/widgets.js"></script></head><body>
        <la-timing-chart max-tokens="512" heads="1" dim="16"></la-timing-chart>
        <la-mask tokens="16"></la-mask><la-generation max-position="512" heads="1" dim="16"></la-generation>
        <la-chunk-tuner tokens="256" heads="1" dim="16"></la-chunk-tuner></body></html>`,
    });
    const violations = await watchViolations(page);
    try {
      await page.goto(`${host.origin}/`);
      const chart = page.locator('la-timing-chart');
      const point = chart.locator('[data-point][tabindex="0"]');
      await point.focus();
      await expect(chart.locator('.tooltip')).toContainText(/tokens: .*(ms|µs|s)/);
      await page.keyboard.press('ArrowRight');
      const legend = chart.getByRole('group', { name: 'Show or hide series' }).getByRole('button');
      await legend.first().click();
      await expect(legend.first()).toHaveAttribute('aria-pressed', 'false');
      const mask = page.locator('la-mask');
      await mask.getByTestId('mask-form-softmax-flash').click();
      await mask.getByTestId('mask-chunk').focus();
      await page.keyboard.press('ArrowRight');
      await page.locator('la-generation').scrollIntoViewIfNeeded();
      await page.locator('la-chunk-tuner').scrollIntoViewIfNeeded();
      await expect(page.locator('la-chunk-tuner').getByTestId('chunk-tuner')).toBeVisible();
      expect(await page.locator('style').count()).toBe(0);
      expect(await violations()).toEqual([]);
    } finally {
      await host.close();
    }
  });
});
