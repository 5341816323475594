import { resolve } from 'node:path';
import type { Frame, Page } from '@playwright/test';
import type { WidgetDoc } from '../../src/widgets/catalog-types.ts';
import { WIDGET_DOC_LIST } from '../../src/widgets/docs.ts';
import { expect, test } from './fixtures.ts';
import { serveFolder, servePage } from './static-server.ts';
import { FRAME_SANDBOX } from '../../src/widgets/catalog-page/host-snippets.ts';

// The iframe embed pages (/embed/<tag>.html) and the host-side script that sizes them
// (/embed/frames.js), tried from a host page on another origin.

// catalog.ts collects these with import.meta.glob, which only Vite understands; docs.ts lists them.
const DOCS: readonly WidgetDoc[] = WIDGET_DOC_LIST;
const SCREENSHOTS = process.env.SCREENSHOTS_DIR ?? 'test-results/screenshots';
const DIST = resolve(process.env.DIST_DIR ?? 'dist');

/** Each widget's embed page with small shapes, so that the GPU widgets finish under emulation. */
const PAGES: Record<string, { query: string; root: string }> = {
  'la-chunk-tuner': { query: 'tokens=256&heads=1&dim=16', root: 'chunk-tuner' },
  'la-costs': { query: 'tokens=8192', root: 'costs' },
  'la-generation': { query: 'max-position=512&heads=1&dim=16', root: 'generation' },
  'la-learning': { query: 'pairs=2&d-model=16&steps=30', root: 'learning' },
  'la-mask': { query: '', root: 'mask' },
  'la-race': { query: 'tokens=128&max-tokens=1024&heads=1&dim=16', root: 'race' },
  'la-recurrence': { query: 'seed=3', root: 'recurrence' },
  'la-timing-chart': { query: 'max-tokens=512&heads=1&dim=16', root: 'timing-chart' },
};

/** A course page that loads the host script and embeds one widget by iframe. */
function hostPage(site: string, src: string, sandbox: string | null, htmlAttrs = ''): string {
  return `<!doctype html><html lang="en" ${htmlAttrs}><head><meta charset="utf-8" />
    <title>A course page</title>
    <meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src ${site}; frame-src ${site}; style-src 'self'" />
    <script src="${site}/embed/frames.js" defer></script></head>
    <body><h1>Week 3: attention</h1><p>The cost of attention, measured.</p>
    <iframe src="${site}${src}" title="The cost explorer" width="100%" height="120"
      ${sandbox === null ? '' : `sandbox="${sandbox}"`} frameborder="0"></iframe>
    <p>After the figure.</p></body></html>`;
}

async function embedFrame(page: Page): Promise<Frame> {
  const handle = await page.locator('iframe').elementHandle();
  const frame = await handle!.contentFrame();
  return frame!;
}

/** The frame's content height and the iframe's height, both in CSS pixels. */
async function heights(page: Page, frame: Frame): Promise<{ content: number; iframe: number }> {
  const content = await frame.evaluate(() =>
    Math.ceil(document.getElementById('frame')!.getBoundingClientRect().height),
  );
  const iframe = await page.locator('iframe').evaluate((el) => el.getBoundingClientRect().height);
  return { content, iframe };
}

test.describe('iframe embed pages', () => {
  for (const [tag, { query, root }] of Object.entries(PAGES)) {
    test(`/embed/${tag}.html renders the widget alone, with zero console errors`, async ({
      page,
    }) => {
      await page.goto(`/embed/${tag}.html${query ? `?${query}` : ''}`);
      await expect(page.locator(`#frame > ${tag}`)).toHaveCount(1);
      await expect(page.locator(`${tag} [data-testid="${root}"]`)).toBeVisible();
      expect(await page.evaluate((t) => customElements.get(t) !== undefined, tag)).toBe(true);
      // Minimal chrome: the widget is the page's only content.
      await expect(page.locator('h1, header, nav, footer')).toHaveCount(0);
      // Documented parameters reach the element as attributes.
      for (const [name, value] of new URLSearchParams(query)) {
        await expect(page.locator(tag)).toHaveAttribute(name, value);
      }
    });
  }

  test('a host page on another origin embeds the cost explorer by iframe, and frames.js sizes it', async ({
    page,
    baseURL,
  }) => {
    const site = new URL(baseURL!).origin;
    const src = '/embed/la-costs.html?tokens=8192&id=week3';
    const { origin, close } = await servePage(
      hostPage(site, src, 'allow-scripts allow-same-origin'),
    );
    expect(origin).not.toBe(site);
    const messages: unknown[] = [];
    await page.exposeFunction('recordMessage', (data: unknown) => messages.push(data));
    await page.addInitScript(() => {
      if (window.top !== window) return;
      window.addEventListener('message', (event) =>
        (window as unknown as { recordMessage(d: unknown): void }).recordMessage(event.data),
      );
    });
    try {
      await page.setViewportSize({ width: 1000, height: 900 });
      await page.goto(`${origin}/`);
      const frame = await embedFrame(page);
      await expect(frame.getByTestId('costs-chart')).toBeVisible();
      await expect(frame.getByTestId('costs-tokens')).toHaveText('8,192');
      // The frame grew from its 120 px to its content's height.
      await expect.poll(async () => (await heights(page, frame)).iframe).toBeGreaterThan(300);
      const wide = await heights(page, frame);
      expect(Math.abs(wide.iframe - wide.content)).toBeLessThanOrEqual(1);
      // The messages carry their namespace, the widget and the page's id.
      expect(messages).toContainEqual(
        expect.objectContaining({ type: 'la-embed:size', widget: 'la-costs', id: 'week3' }),
      );
      // Narrow the host: the content reflows taller and the frame follows.
      await page.setViewportSize({ width: 380, height: 900 });
      await expect
        .poll(async () => {
          const now = await heights(page, frame);
          return now.content > wide.content && Math.abs(now.iframe - now.content) <= 1;
        })
        .toBe(true);
      await page.setViewportSize({ width: 1000, height: 900 });
      await page.locator('iframe').scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${SCREENSHOTS}/embed-iframe-host.png`, fullPage: true });
    } finally {
      await close();
    }
  });

  test("a frame left on theme=auto follows the host's data-theme, also when it changes; theme=light stays light", async ({
    page,
    baseURL,
  }) => {
    const site = new URL(baseURL!).origin;
    const frameTheme = (frame: Frame) =>
      frame.evaluate(() => document.documentElement.dataset.theme ?? null);
    const auto = await servePage(
      hostPage(site, '/embed/la-mask.html', FRAME_SANDBOX, 'data-theme="dark"'),
    );
    const fixed = await servePage(
      hostPage(site, '/embed/la-mask.html?theme=light', FRAME_SANDBOX, 'data-theme="dark"'),
    );
    try {
      await page.goto(`${auto.origin}/`);
      const frame = await embedFrame(page);
      await expect(frame.getByTestId('mask')).toBeVisible();
      await expect.poll(() => frameTheme(frame)).toBe('dark');
      // The widget itself draws in its dark scheme.
      const scheme = () =>
        frame
          .locator('la-mask .la-shell')
          .first()
          .evaluate((el) => getComputedStyle(el).colorScheme);
      await expect.poll(scheme).toBe('dark');
      await page.evaluate(() => document.documentElement.setAttribute('data-theme', 'light'));
      await expect.poll(() => frameTheme(frame)).toBe('light');
      await expect.poll(scheme).toBe('light');
      await page.evaluate(() => document.documentElement.removeAttribute('data-theme'));
      await expect.poll(() => frameTheme(frame)).toBe(null);

      await page.goto(`${fixed.origin}/`);
      const lightFrame = await embedFrame(page);
      await expect(lightFrame.getByTestId('mask')).toBeVisible();
      await expect(page.locator('iframe')).toHaveAttribute('data-la-embed-theme', 'dark');
      expect(await frameTheme(lightFrame)).toBe('light');
    } finally {
      await auto.close();
      await fixed.close();
    }
  });

  test('garbage URL parameters fall back with one warning each, and unknown ones are ignored', async ({
    page,
  }) => {
    const warnings: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'warning') warnings.push(message.text());
    });
    await page.goto('/embed/la-costs.html?tokens=abc&dim=1e9&colour=red&theme=sepia');
    await expect(page.getByTestId('costs-chart')).toBeVisible();
    // tokens falls back to its default, dim clamps to its largest value, theme to auto.
    await expect(page.getByTestId('costs-tokens')).toHaveText('4,096');
    await expect(page.locator('la-costs')).not.toHaveAttribute('colour');
    expect(await page.locator('body').innerText()).not.toMatch(/NaN|undefined|Infinity/);
    const about = (text: string) => warnings.filter((w) => w.includes(text));
    expect(
      about('<la-costs>: tokens="abc" is not a number; using the default, 4096.'),
    ).toHaveLength(1);
    expect(about('dim="1e9"')).toHaveLength(1);
    expect(about('theme="sepia"')).toHaveLength(1);
    expect(about('"colour"')).toHaveLength(1);
  });

  for (const tag of Object.keys(PAGES)) {
    test(`/embed/${tag}.html with garbage in every parameter shows no NaN and warns once per parameter`, async ({
      page,
    }) => {
      const warnings: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'warning') warnings.push(message.text());
      });
      const doc = DOCS.find((d) => d.tag === tag)!;
      const query = new URLSearchParams();
      for (const attribute of doc.attributes) query.set(attribute.name, 'garbage');
      await page.goto(`/embed/${tag}.html?${query}`);
      await expect(page.locator(`${tag} [data-testid="${PAGES[tag]!.root}"]`)).toBeVisible();
      expect(await page.locator('body').innerText()).not.toMatch(/NaN|undefined|Infinity/);
      for (const attribute of doc.attributes) {
        expect(
          warnings.filter((w) => w.includes(`<${tag}>: ${attribute.name}="garbage"`)),
          attribute.name,
        ).toHaveLength(attribute.accepts.kind === 'boolean' ? 0 : 1);
      }
    });
  }

  test('theme=dark in the URL sets the dark theme inside the frame', async ({ page }) => {
    await page.goto('/embed/la-mask.html?theme=dark');
    await expect(page.getByTestId('mask')).toBeVisible();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await page.goto('/embed/la-mask.html?theme=light');
    await expect(page.getByTestId('mask')).toBeVisible();
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).not.toBe(
      background,
    );
  });

  test('the race runs on the GPU inside the documented sandbox, and in the least one where the site sends CORS', async ({
    page,
    baseURL,
    webgpu,
  }) => {
    const site = new URL(baseURL!).origin;
    const src = '/embed/la-race.html?tokens=128&max-tokens=1024&heads=1&dim=16';
    // 'allow-scripts allow-same-origin' is the documented set; 'allow-scripts' alone gives the
    // frame an opaque origin, which works only because `vite preview` answers with CORS headers.
    for (const sandbox of ['allow-scripts allow-same-origin', 'allow-scripts']) {
      const { origin, close } = await servePage(hostPage(site, src, sandbox));
      try {
        await page.goto(`${origin}/`);
        const frame = await embedFrame(page);
        expect(await frame.evaluate(() => window.origin)).toBe(
          sandbox.includes('allow-same-origin') ? site : 'null',
        );
        const race = frame.getByTestId('race');
        await expect(race).toBeVisible();
        const note = frame.getByTestId('device-note').first();
        await expect(note).toHaveAttribute('data-gpu-state', webgpu ? 'ready' : 'unsupported');
        if (webgpu) {
          // A live result measured in the sandboxed frame.
          await expect(frame.getByTestId('race-status')).toContainText('on your GPU', {
            timeout: 60_000,
          });
        }
        await expect.poll(async () => (await heights(page, frame)).iframe).toBeGreaterThan(200);
      } finally {
        await close();
      }
    }
  });

  test('without CORS headers on the site, allow-scripts alone fails and the documented sandbox works', async ({
    page,
    consoleErrors,
  }) => {
    const siteServer = await serveFolder(DIST, { cors: false });
    const site = siteServer.origin;
    const src = '/embed/la-mask.html';
    try {
      for (const sandbox of ['allow-scripts', 'allow-scripts allow-same-origin']) {
        const { origin, close } = await servePage(hostPage(site, src, sandbox));
        try {
          await page.goto(`${origin}/`);
          const frame = await embedFrame(page);
          if (sandbox === 'allow-scripts') {
            // The module scripts are refused (origin 'null' without Access-Control-Allow-Origin).
            await expect.poll(() => consoleErrors.some((e) => /CORS/.test(e))).toBe(true);
            await expect(frame.locator('la-mask')).toHaveCount(0);
            consoleErrors.length = 0;
          } else {
            await expect(frame.getByTestId('mask')).toBeVisible();
            await expect.poll(async () => (await heights(page, frame)).iframe).toBeGreaterThan(200);
          }
        } finally {
          await close();
        }
      }
    } finally {
      await siteServer.close();
    }
  });
});

test('the tests cover every documented widget', () => {
  expect(Object.keys(PAGES)).toEqual(DOCS.map((d) => d.tag));
});

test('the timing chart exports from a sandboxed frame only with allow-downloads', async ({
  page,
  baseURL,
}) => {
  const site = new URL(baseURL!).origin;
  const src = '/embed/la-timing-chart.html?max-tokens=512&heads=1&dim=16';
  for (const sandbox of ['allow-scripts allow-same-origin allow-downloads', FRAME_SANDBOX]) {
    const { origin, close } = await servePage(hostPage(site, src, sandbox));
    try {
      await page.goto(`${origin}/`);
      const chart = page.frameLocator('iframe').getByTestId('timing-chart');
      await expect(chart.locator('[data-point]').first()).toBeAttached();
      const svg = chart.getByRole('button', { name: 'SVG', exact: true });
      if (sandbox.includes('allow-downloads')) {
        const [download] = await Promise.all([page.waitForEvent('download'), svg.click()]);
        expect(download.suggestedFilename()).toMatch(/\.svg$/);
      } else {
        let downloaded = false;
        const warnings: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'warning') warnings.push(m.text());
        });
        page.once('download', () => (downloaded = true));
        await svg.click();
        // Chromium refuses, and says why in a console warning.
        await expect.poll(() => warnings.some((w) => /Download is disallowed/.test(w))).toBe(true);
        expect(downloaded).toBe(false);
      }
    } finally {
      await close();
    }
  }
});
