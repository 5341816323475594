import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WIDGET_DOCS } from '../../src/widgets/catalog.ts';
import {
  CORS_EXAMPLES,
  CORS_HEADER,
  FRAME_SANDBOX,
  exampleQuery,
  scriptPolicy,
} from '../../src/widgets/catalog-page/host-snippets.ts';
import { embedPagesPlugin } from '../../site/build/embed-pages.ts';
import { EMBED_REQUEST_SIZE, EMBED_RESIZE, EMBED_THEME } from '../../site/embed/frame-protocol.ts';
import { WIDGET_DOC_LIST } from '../../src/widgets/docs.ts';

/** Runs the embed-pages plugin's config hook into a fresh folder; returns it and the inputs. */
function writeEmbedPages(): { dir: string; input: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'la-embed-'));
  const plugin = embedPagesPlugin({ embedDir: dir, docs: WIDGET_DOC_LIST });
  const config = (
    plugin.config as () => { build: { rollupOptions: { input: Record<string, string> } } }
  )();
  return { dir, input: config.build.rollupOptions.input };
}

describe('the iframe embed pages', () => {
  it('exist for every documented widget, each naming its own widget and title', () => {
    const { dir: EMBED, input } = writeEmbedPages();
    const pages = readdirSync(EMBED).filter((name) => /^la-.*\.html$/.test(name));
    expect(pages.sort()).toEqual(WIDGET_DOCS.map((doc) => `${doc.tag}.html`).sort());
    // Each page is a build input at the public URL /embed/<tag>.html.
    expect(input).toEqual(
      Object.fromEntries(WIDGET_DOCS.map((d) => [`embed/${d.tag}`, join(EMBED, `${d.tag}.html`)])),
    );
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
    expect(host).toContain(`'${EMBED_THEME}'`);
    // A classic script: it must load without CORS, so no module syntax.
    expect(host).not.toMatch(/^\s*(import|export)\s/m);
  });
});

describe('the course-author page and docs/EMBEDDING.md', () => {
  const guide = readFileSync(resolve(import.meta.dirname, '../../docs/EMBEDDING.md'), 'utf8');
  const origin = 'https://widgets.example';

  it('show the same CORS configurations, policies and sandbox', () => {
    for (const example of CORS_EXAMPLES) expect(guide, example.host).toContain(example.code);
    expect(guide).toContain(scriptPolicy(origin));
    expect(guide).toContain(FRAME_SANDBOX);
    expect(guide).toContain(CORS_HEADER);
  });

  it('turns an example tag into URL parameters for its iframe page', () => {
    expect(exampleQuery('<la-costs tokens="8192" dim="64" chunk-size="64"></la-costs>')).toBe(
      'tokens=8192&dim=64&chunk-size=64',
    );
    expect(exampleQuery('<la-mask></la-mask>')).toBe('');
    for (const doc of WIDGET_DOCS) {
      const query = new URLSearchParams(exampleQuery(doc.example));
      for (const name of query.keys()) {
        expect(
          doc.attributes.map((a) => a.name),
          `${doc.tag} example`,
        ).toContain(name);
      }
    }
  });
});
