import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import type { StaticServer } from './static-server.ts';

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

/** Serves one page with a Content-Security-Policy header, on a port of its own. */
async function serveWithPolicy(policy: string, body: string): Promise<StaticServer> {
  const server = createServer((_, response) => {
    response.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': policy,
    });
    response.end(`<!doctype html><html lang="en"><head><meta charset="utf-8" />
      <title>A course page with a policy</title>${body}`);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    // As in host-page.ts: close() alone waits for the page's open connections.
    close: () =>
      new Promise((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

/** The policy the guide shows in a snippet, without its header name. */
async function guidePolicy(page: Page, testid: string): Promise<string> {
  await page.goto('/widgets/');
  const text = (await page.getByTestId(testid).textContent()) ?? '';
  return text.replace(/^Content-Security-Policy:\s*/, '').trim();
}

test.describe('the policies the guide documents', () => {
  test('the script tag works under the documented policy, even with default-src none', async ({
    page,
    baseURL,
    webgpu,
  }) => {
    const site = new URL(baseURL!).origin;
    const policy = `default-src 'none'; ${await guidePolicy(page, 'csp-snippet')}`;
    const host = await serveWithPolicy(
      policy,
      `<script type="module" src="${site}/embed/widgets.js"></script></head>
       <body><h1>Week 3</h1><la-costs tokens="2048"></la-costs><la-recurrence seed="5"></la-recurrence>
       <la-race tokens="128" max-tokens="1024" heads="1" dim="16"></la-race></body></html>`,
    );
    try {
      await page.addInitScript(() => {
        const seen: string[] = [];
        (window as unknown as { violations: string[] }).violations = seen;
        document.addEventListener('securitypolicyviolation', (e) =>
          seen.push(`${e.violatedDirective} ${e.blockedURI}`),
        );
      });
      await page.goto(`${host.origin}/`);
      await expect(page.locator('la-costs [data-testid="costs-chart"]')).toBeVisible();
      const recurrence = page.locator('la-recurrence');
      await expect(recurrence.getByTestId('rec-state-eq').locator('.katex').first()).toBeVisible();
      const fonts = await page.evaluate(async () => {
        await document.fonts.ready;
        return [...document.fonts]
          .filter((f) => f.family.includes('KaTeX') && f.status === 'loaded')
          .map((f) => f.family);
      });
      expect(fonts).toContain('KaTeX_Main');
      // The GPU widget measures under the policy too (or says why it cannot, without WebGPU).
      await page.locator('la-race').scrollIntoViewIfNeeded();
      await expect(page.locator('la-race [data-testid="race-status"]')).toContainText(
        webgpu ? 'on your GPU' : 'reference GPU',
        { timeout: 60_000 },
      );
      expect(
        await page.evaluate(() => (window as unknown as { violations: string[] }).violations),
      ).toEqual([]);
    } finally {
      await host.close();
    }
  });

  test('the iframe and frames.js work under the documented policy, even with default-src none', async ({
    page,
    baseURL,
  }) => {
    const site = new URL(baseURL!).origin;
    const policy = `default-src 'none'; ${await guidePolicy(page, 'frame-csp-snippet')}`;
    const host = await serveWithPolicy(
      policy,
      `<script src="${site}/embed/frames.js" defer></script></head>
       <body><h1>Week 3</h1>
       <iframe src="${site}/embed/la-mask.html" title="The mask" sandbox="allow-scripts allow-same-origin"
         width="100%" height="100"></iframe></body></html>`,
    );
    try {
      await page.goto(`${host.origin}/`);
      const frame = page.frameLocator('iframe');
      await expect(frame.getByTestId('mask')).toBeVisible();
      await expect
        .poll(() => page.locator('iframe').evaluate((el) => el.getBoundingClientRect().height))
        .toBeGreaterThan(200);
    } finally {
      await host.close();
    }
  });
});
