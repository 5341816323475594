import { expect, test } from './fixtures.ts';

// The embedding guide on the course-author page (/widgets/): the three routes with snippets for this
// deployment, theming, CSP, CORS and a live iframe sized by frames.js.

const SCREENSHOTS = process.env.SCREENSHOTS_DIR ?? 'test-results/screenshots';

test.describe('the embedding guide', () => {
  test('gives the script, iframe and npm snippets for this deployment, with CSP and CORS', async ({
    page,
    baseURL,
  }) => {
    const origin = new URL(baseURL!).origin;
    await page.goto('/widgets/');
    for (const name of [
      'A script tag',
      'An iframe',
      'The npm package',
      'Theming',
      'Content-Security-Policy',
      'CORS',
    ]) {
      await expect(page.getByRole('heading', { level: 2, name, exact: true })).toBeVisible();
    }
    await expect(page.getByTestId('embed-snippet')).toHaveText(
      `<script type="module" src="${origin}/embed/widgets.js"></script>`,
    );
    const iframe = page.getByTestId('iframe-snippet');
    await expect(iframe).toContainText(`src="${origin}/embed/la-costs.html?tokens=8192"`);
    await expect(iframe).toContainText('sandbox="allow-scripts allow-same-origin"');
    await expect(iframe).toContainText(`<script src="${origin}/embed/frames.js" defer></script>`);
    await expect(page.getByTestId('npm-snippet')).toContainText(
      "import 'linear-attention-live/widgets';",
    );
    await expect(page.getByTestId('csp-snippet')).toHaveText(
      `Content-Security-Policy: script-src 'self' ${origin}; style-src 'self' ${origin}; font-src 'self' ${origin}`,
    );
    await expect(page.getByTestId('cors-header')).toHaveText('Access-Control-Allow-Origin: *');
    for (const host of [
      'Netlify and Cloudflare Pages',
      'Vercel',
      'nginx',
      'Apache',
      'GitHub Pages',
    ]) {
      await expect(page.getByRole('heading', { level: 3, name: host })).toBeVisible();
    }
    // The custom properties come from the token sheet.
    const tokens = await page.getByTestId('token-list').locator('li').allTextContents();
    expect(tokens).toContain('--la-accent');
    expect(tokens).toContain('--la-font-ui');
    // Every widget's table lists the theme attribute, and its iframe URL.
    for (const entry of await page.getByTestId('catalog-entry').all()) {
      const tag = await entry.getAttribute('data-tag');
      await expect(entry.getByTestId('attributes').locator('tbody th code')).toContainText([
        'theme',
      ]);
      await expect(entry.locator('.frame-url')).toContainText(`${origin}/embed/${tag}.html`);
    }
  });

  test('the copy button copies a snippet', async ({ page, context, baseURL }) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL! });
    await page.goto('/widgets/');
    await page.getByRole('button', { name: 'Copy the script tag' }).click();
    await expect(page.getByRole('button', { name: 'Copy the script tag' })).toHaveText('Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(
      await page.getByTestId('embed-snippet').textContent(),
    );
  });

  test('the live iframe is sized by frames.js and follows the page theme', async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto('/widgets/');
    const frameElement = page.getByTestId('live-frame');
    await frameElement.scrollIntoViewIfNeeded();
    const frame = page.frameLocator('[data-testid="live-frame"]');
    await expect(frame.getByTestId('costs-chart')).toBeVisible();
    await expect(frame.getByTestId('costs-tokens')).toHaveText('8,192');
    await expect
      .poll(() => frameElement.evaluate((el) => el.getBoundingClientRect().height))
      .toBeGreaterThan(500);
    await page.screenshot({ path: `${SCREENSHOTS}/guide-iframe-light.png` });
    await page.getByRole('button', { name: 'Dark theme' }).click();
    await expect(frameElement).toHaveAttribute('src', /theme=dark/);
    await expect(frame.locator('html')).toHaveAttribute('data-theme', 'dark');
    await frameElement.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SCREENSHOTS}/guide-iframe-dark.png` });
  });

  test('screenshots of the guide, wide and at 390 px', async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto('/widgets/');
    await expect(page.getByTestId('embed-snippet')).toBeVisible();
    await page.screenshot({ path: `${SCREENSHOTS}/guide-top.png` });
    await page.locator('#csp').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SCREENSHOTS}/guide-csp-cors.png` });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator('#iframe').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SCREENSHOTS}/guide-iframe-390.png` });
    // No horizontal scroll at 390 px: long snippets scroll inside their boxes.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      390,
    );
  });
});
