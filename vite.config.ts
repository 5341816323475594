import { svelte } from '@sveltejs/vite-plugin-svelte';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import { embedPagesPlugin } from './site/build/embed-pages.ts';
import { postsPlugin } from './site/build/posts-plugin.ts';
import { wgslCommentsPlugin } from './site/build/wgsl-comments-plugin.ts';
import { widgetCssPlugin } from './site/build/widget-css-plugin.ts';
import { WIDGET_DOC_LIST } from './src/widgets/docs.ts';

const root = resolve(import.meta.dirname, 'site');

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
    // The kernels ship without their comments (the listings in posts are read from the files).
    wgslCommentsPlugin(),
    postsPlugin({
      root,
      postsDir: resolve(import.meta.dirname, 'posts'),
      kernelsDir: resolve(import.meta.dirname, 'src/gpu/kernels'),
    }),
    // The iframe embed pages, one per documented widget, from one template:
    // site/embed/<tag>.html (written, git-ignored) -> /embed/<tag>.html.
    embedPagesPlugin({ embedDir: resolve(root, 'embed'), docs: WIDGET_DOC_LIST }),
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
      // The embed bundle for other sites; the HTML entries come from the plugins (every index.html
      // from the posts plugin, the iframe embed pages from the embed-pages plugin).
      input: { embed: resolve(root, 'embed/widgets.ts') },
      output: {
        // Course authors link to embed/widgets.js, so that entry keeps a fixed name.
        entryFileNames: (chunk) =>
          chunk.name === 'embed' ? 'embed/widgets.js' : 'assets/[name]-[hash].js',
      },
    },
  },
});
