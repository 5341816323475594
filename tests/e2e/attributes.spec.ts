/**
 * Bad attributes and attributes changed after render, on every widget (issue 12): garbage in
 * every attribute gives no NaN on screen, no uncaught error, and exactly one console warning per
 * attribute the validation layer had to correct; changing an attribute later updates the widget.
 */
import type { Page } from '@playwright/test';
import { WIDGET_DOC_LIST as WIDGET_DOCS } from '../../src/widgets/docs.ts';
import { attributesOf, parseAttributes } from '../../src/widgets/shared/attributes.ts';
import { expect, test } from './fixtures.ts';
import { startHost, watchViolations, type HostServer } from './host-page.ts';

/** The garbage course authors (and URLs) hand us, one value per round in every attribute. */
const GARBAGE = ['', 'abc', '1e12', '-3', 'NaN', 'Infinity', '7.5', 'x'.repeat(5000)];

/** Words that mean a number went wrong somewhere between the attribute and the screen. */
const BROKEN = /\bNaN\b|\bundefined\b|\bInfinity\b|\bnull\b/;

let host: HostServer;

test.beforeEach(async ({ baseURL }) => {
  const origin = new URL(baseURL!).origin;
  host = await startHost(origin, {
    '/': `<script type="module" src="${origin}/embed/widgets.js"></script></head><body><main id="stage"></main></body></html>`,
  });
});
test.afterEach(async () => host.close());

/**
 * Everything a reader can read in a widget (not the attribute note, which quotes what was given):
 * its text, form values and accessible values.
 */
async function readable(page: Page, tag: string): Promise<string> {
  return page.locator(tag).evaluate((el) => {
    const view = el.shadowRoot!.querySelector<HTMLElement>('.la-shell > :last-child')!;
    const parts = [view.innerText];
    for (const c of view.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLOutputElement>(
      'input, select, output, option',
    )) {
      parts.push(c.value);
    }
    for (const e of view.querySelectorAll('[aria-valuetext], [aria-label]')) {
      parts.push(e.getAttribute('aria-valuetext') ?? '', e.getAttribute('aria-label') ?? '');
    }
    return parts.join('\n');
  });
}

async function place(page: Page, html: string): Promise<void> {
  await page.evaluate((markup) => {
    document.getElementById('stage')!.innerHTML = markup;
  }, html);
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;');

test.describe('widget attributes', () => {
  test('every widget with garbage in every attribute shows no NaN, throws nothing, and warns once per bad attribute', async ({
    page,
  }) => {
    test.setTimeout(300_000);
    const warnings: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'warning' && m.text().startsWith('<la-')) warnings.push(m.text());
    });
    const violations = await watchViolations(page);
    await page.goto(`${host.origin}/`);
    for (const doc of WIDGET_DOCS) {
      for (const garbage of GARBAGE) {
        warnings.length = 0;
        // autorun is garbage too, so the GPU widgets may start a run; the test reads the
        // rendered view, and removes the element (which stops the run) before the next round.
        const attributes = attributesOf(doc)
          .map((a) => `${a.name}="${escape(garbage)}"`)
          .join(' ');
        await place(page, `<${doc.tag} ${attributes}></${doc.tag}>`);
        const widget = page.locator(doc.tag);
        await expect(widget.locator('.la-shell > :last-child')).toBeVisible();
        await page.evaluate(() => new Promise((done) => requestAnimationFrame(done)));
        const where = `${doc.tag} with every attribute ${JSON.stringify(garbage.slice(0, 12))}`;
        expect(await readable(page, doc.tag), where).not.toMatch(BROKEN);

        // The element prints exactly the layer's corrections, each once and naming its attribute.
        const expected = parseAttributes(doc, () => garbage).corrections;
        await expect.poll(() => warnings.length, where).toBe(expected.length);
        expect(warnings.map((w) => w.split(': ')[1]!.split('=')[0]).sort(), where).toEqual(
          expected.map((c) => c.name).sort(),
        );
        for (const w of warnings) {
          expect(w, where).toMatch(new RegExp(`^<${doc.tag}>: [a-z-]+=".*"`));
          expect(w.split('; ')[1], where).not.toMatch(BROKEN);
        }
        // And shows them in a note, where there is something to say.
        const note = widget.getByTestId('attribute-note');
        if (expected.length > 0) await expect(note).toBeVisible();
        else await expect(note).toHaveCount(0);
      }
    }
    expect(await violations()).toEqual([]);
  });

  test('changing attributes after render updates each widget, and a later bad value warns once', async ({
    page,
  }) => {
    const warnings: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'warning' && m.text().startsWith('<la-')) warnings.push(m.text());
    });
    await page.goto(`${host.origin}/`);
    await place(
      page,
      `<la-costs tokens="2048"></la-costs><la-recurrence tokens="8" dim="4"></la-recurrence>
       <la-mask chunk-size="8"></la-mask><la-race tokens="1024" autorun="false"></la-race>`,
    );
    const set = (tag: string, name: string, value: string) =>
      page.locator(tag).evaluate((el, [n, v]) => el.setAttribute(n!, v!), [name, value]);

    const costs = page.locator('la-costs');
    await expect(costs.getByTestId('costs-tokens')).toHaveText('2,048');
    await set('la-costs', 'tokens', '16384');
    await expect(costs.getByTestId('costs-tokens')).toHaveText('16,384');
    await set('la-costs', 'chunk-size', '128');
    await expect(costs.getByTestId('costs-chunk')).toHaveText('128');

    const recurrence = page.locator('la-recurrence');
    await expect(recurrence).toContainText('Token 1 of 8');
    await set('la-recurrence', 'tokens', '12');
    await expect(recurrence).toContainText('Token 1 of 12');
    await set('la-recurrence', 'dim', '3');
    await expect(recurrence.getByTestId('rec-inputs')).toContainText(
      /k1 = \([−\d.]+, [−\d.]+, [−\d.]+\)/,
    );

    const mask = page.locator('la-mask');
    await expect(mask.getByTestId('mask-block')).toHaveText('8');
    await set('la-mask', 'chunk-size', '4');
    await expect(mask.getByTestId('mask-block')).toHaveText('4');

    const race = page.locator('la-race');
    await expect(race.locator('output').first()).toContainText('1,024');
    await set('la-race', 'tokens', '512');
    await expect(race.locator('output').first()).toContainText('512');

    // The theme follows the attribute.
    const shellColour = () =>
      page
        .locator('la-mask')
        .evaluate((el) => getComputedStyle(el.shadowRoot!.querySelector('.la-shell')!).color);
    await set('la-mask', 'theme', 'light');
    expect(await shellColour()).toBe('rgb(29, 29, 31)');
    await set('la-mask', 'theme', 'dark');
    expect(await shellColour()).toBe('rgb(232, 230, 225)');

    // A bad value set later: one warning, a note, the widget keeps working; a good value clears the note.
    expect(warnings).toEqual([]);
    await set('la-recurrence', 'tokens', '1e12');
    await expect(recurrence).toContainText('Token 1 of 16');
    await expect(recurrence.getByTestId('attribute-note')).toContainText(
      'tokens="1e12" is above the largest allowed, 16; using 16.',
    );
    await set('la-recurrence', 'seed', '3');
    expect(warnings).toEqual([
      '<la-recurrence>: tokens="1e12" is above the largest allowed, 16; using 16.',
    ]);
    await set('la-recurrence', 'tokens', '5');
    await expect(recurrence).toContainText('Token 1 of 5');
    await expect(recurrence.getByTestId('attribute-note')).toHaveCount(0);
  });

  test('the race with a chunk size, head count and dimension off its lists runs live at the corrected shape', async ({
    page,
    webgpu,
  }) => {
    test.skip(!webgpu, 'needs WebGPU');
    const warnings: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'warning' && m.text().startsWith('<la-')) warnings.push(m.text());
    });
    await page.goto(`${host.origin}/`);
    await place(
      page,
      '<la-race tokens="128" max-tokens="1024" heads="-3" dim="7" chunk-size="7"></la-race>',
    );
    const race = page.locator('la-race');
    const status = race.getByTestId('race-status');
    await expect(race.getByTestId('race')).toHaveAttribute('data-source', 'live', {
      timeout: 90_000,
    });
    await expect(status).toContainText('on your GPU');
    await expect(status).toContainText('At 128 tokens');
    await expect(race).not.toContainText(/failed|NaN/);
    // A size from the page is used as given (snapped): no search, and the widget says so.
    await expect(race.getByTestId('race-chunk')).toContainText(
      'linear attention ran at chunk size 16, set by the page.',
    );
    expect(warnings.sort()).toEqual([
      '<la-race>: chunk-size="7" is not one of auto, 16, 32, 64, 128, 256; using 16.',
      '<la-race>: dim="7" is not one of 16, 32, 64, 128; using 16.',
      '<la-race>: heads="-3" is below the smallest allowed, 1; using 1.',
    ]);
  });
});
