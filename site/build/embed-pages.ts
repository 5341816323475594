/**
 * Vite plugin: the iframe embed pages, `/embed/<tag>.html`, one per documented widget, written from
 * one template (`renderEmbedPage`) rather than kept as near-identical files.
 *
 * As with the posts plugin's shells, the pages are written into `site/embed/` (git-ignored there) when
 * Vite starts, in dev and in the build, so that Vite sees real HTML entries and serves and bundles
 * them as any other page; the plugin also names them as build inputs (`embed/<tag>`).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plugin } from 'vite';
import type { WidgetDoc } from '../../src/widgets/catalog-types.ts';

/** The embed page for one widget: `site/embed/frame.ts` reads the tag from `data-widget`. */
export function renderEmbedPage(doc: Pick<WidgetDoc, 'tag' | 'title'>): string {
  return `<!doctype html>
<html lang="en" data-widget="${doc.tag}">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="robots" content="noindex" />
    <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
    <title>${doc.title} · Linear attention, live</title>
    <script type="module" src="./frame.ts"></script>
  </head>
  <body>
    <main id="frame">
      <noscript>
        <p class="frame-fallback">
          ${doc.title}, an interactive figure from “Linear attention, live”, needs JavaScript.
        </p>
      </noscript>
    </main>
  </body>
</html>
`;
}

/** The build inputs for the embed pages: `embed/<tag>` -> `<embedDir>/<tag>.html`. */
export function embedPageInputs(
  embedDir: string,
  docs: readonly Pick<WidgetDoc, 'tag'>[],
): Record<string, string> {
  return Object.fromEntries(
    docs.map((doc) => [`embed/${doc.tag}`, join(embedDir, `${doc.tag}.html`)]),
  );
}

/** Writes `<embedDir>/<tag>.html` for every doc and adds them to the build's inputs. */
export function embedPagesPlugin(options: {
  /** `site/embed/`. */
  embedDir: string;
  /** The widgets to write pages for (`WIDGET_DOC_LIST`). */
  docs: readonly Pick<WidgetDoc, 'tag' | 'title'>[];
}): Plugin {
  const { embedDir, docs } = options;
  return {
    name: 'la-embed-pages',
    config() {
      for (const doc of docs) {
        const file = join(embedDir, `${doc.tag}.html`);
        const html = renderEmbedPage(doc);
        if (!existsSync(file) || readFileSync(file, 'utf8') !== html) writeFileSync(file, html);
      }
      return { build: { rollupOptions: { input: embedPageInputs(embedDir, docs) } } };
    },
  };
}
