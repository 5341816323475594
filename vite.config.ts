import { svelte } from '@sveltejs/vite-plugin-svelte';
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import { postsPlugin } from './site/build/posts-plugin.ts';
import { widgetCssPlugin } from './site/build/widget-css-plugin.ts';

const root = resolve(import.meta.dirname, 'site');

// The iframe embed pages, one per widget: site/embed/<tag>.html -> /embed/<tag>.html.
const embedPages = Object.fromEntries(
  readdirSync(resolve(root, 'embed'))
    .filter((name) => /^la-[a-z-]+\.html$/.test(name))
    .map((name) => [`embed/${name.slice(0, -'.html'.length)}`, resolve(root, 'embed', name)]),
);

// The site is static. Every index.html under site/ is an entry (the posts plugin finds them and
// writes the pages for posts/*.md); the GPU engine, widgets and data are bundled from src/ and data/.
export default defineConfig({
  root,
  base: './',
  plugins: [
    // The Vite root is site/, so point the plugin at the project's svelte.config.js.
    svelte({ configFile: resolve(import.meta.dirname, 'svelte.config.js') }),
    // Widget components' CSS goes to their shadow roots as constructable stylesheets.
    widgetCssPlugin(),
    postsPlugin({
      root,
      postsDir: resolve(import.meta.dirname, 'posts'),
      kernelsDir: resolve(import.meta.dirname, 'src/gpu/kernels'),
    }),
  ],
  server: { host: '127.0.0.1', port: 5173 },
  // cors: true answers every origin, as a static host does, so that a page elsewhere can load the
  // embed bundle (site/embed/widgets.ts) and the chunks it imports.
  preview: { host: '127.0.0.1', port: 4173, cors: true },
  build: {
    outDir: resolve(import.meta.dirname, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    // Fonts stay files, never data: URLs (Vite inlines assets under 4 KiB, one of KaTeX's among
    // them): a host page's font-src then needs only our origin.
    assetsInlineLimit: (file) => (/\.(woff2?|ttf|otf)$/.test(file) ? false : undefined),
    rollupOptions: {
      // The embed bundle for other sites and the iframe embed pages; the other HTML entries (every
      // index.html) come from the posts plugin.
      input: { embed: resolve(root, 'embed/widgets.ts'), ...embedPages },
      output: {
        // Course authors link to embed/widgets.js, so that entry keeps a fixed name.
        entryFileNames: (chunk) =>
          chunk.name === 'embed' ? 'embed/widgets.js' : 'assets/[name]-[hash].js',
      },
    },
  },
});
