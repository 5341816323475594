import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WIDGET_DOCS } from '../../src/widgets/catalog.ts';
import { EMBED_REQUEST_SIZE, EMBED_RESIZE } from '../../site/embed/frame-protocol.ts';

const EMBED = resolve(import.meta.dirname, '../../site/embed');

describe('the iframe embed pages', () => {
  it('exist for every documented widget, each naming its own widget and title', () => {
    const pages = readdirSync(EMBED).filter((name) => /^la-.*\.html$/.test(name));
    expect(pages.sort()).toEqual(WIDGET_DOCS.map((doc) => `${doc.tag}.html`).sort());
    for (const doc of WIDGET_DOCS) {
      const html = readFileSync(resolve(EMBED, `${doc.tag}.html`), 'utf8');
      expect(html).toContain(`<html lang="en" data-widget="${doc.tag}">`);
      expect(html).toContain(`<title>${doc.title} · Linear attention, live</title>`);
      expect(html).toContain('<script type="module" src="./frame.ts"></script>');
      // No inline script or style: the pages work under a strict Content-Security-Policy.
      expect(html.match(/<script/g)).toHaveLength(1);
      expect(html).not.toMatch(/<style|style="/);
    }
  });

  it('share their message names with the host script, which imports nothing', () => {
    const host = readFileSync(
      resolve(import.meta.dirname, '../../site/public/embed/frames.js'),
      'utf8',
    );
    expect(host).toContain(`'${EMBED_RESIZE}'`);
    expect(host).toContain(`'${EMBED_REQUEST_SIZE}'`);
    // A classic script: it must load without CORS, so no module syntax.
    expect(host).not.toMatch(/^\s*(import|export)\s/m);
  });
});
