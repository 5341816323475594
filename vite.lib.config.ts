import { svelte } from '@sveltejs/vite-plugin-svelte';
import { resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vite';
import { widgetCssPlugin } from './site/build/widget-css-plugin.ts';

// `npm run build:lib` (scripts/build-lib.mjs) runs this twice, once per export of the npm package:
//
// - `--mode widgets`: `linear-attention-live/widgets`, the custom elements with Svelte, d3, the
//   reference data and the styles inside; KaTeX (and its fonts, as files) in chunks loaded on first
//   use, addressed relative to the module so the folder works as is from a CDN or through a bundler.
// - `--mode gpu`: `linear-attention-live/gpu`, the framework-free engine as one ES module with every
//   WGSL kernel inlined as a string (types come from tsc, run by the script).
//
// LIB_OUT_DIR moves the output (default lib/).
const dirname = import.meta.dirname;
const outDir = resolve(dirname, process.env.LIB_OUT_DIR ?? 'lib');

/** Records which npm packages end up inside the bundle, so their licences can ship beside it. */
function listBundledPackages(found: Set<string>): Plugin {
  return {
    name: 'la-bundled-packages',
    generateBundle(_, bundle) {
      for (const output of Object.values(bundle)) {
        if (output.type !== 'chunk') continue;
        for (const id of output.moduleIds) {
          const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(id.replaceAll('\\', '/'));
          if (match) found.add(match[1]!);
        }
      }
      this.emitFile({
        type: 'asset',
        fileName: 'bundled-packages.json',
        source: `${JSON.stringify([...found].sort(), null, 2)}\n`,
      });
    },
  };
}

export default defineConfig(({ mode }) => {
  if (mode !== 'widgets' && mode !== 'gpu') {
    throw new Error(`vite.lib.config.ts: run with --mode widgets or --mode gpu, not "${mode}".`);
  }
  const found = new Set<string>();
  const common = {
    root: dirname,
    publicDir: false as const,
    logLevel: 'warn' as const,
    // A library carries no environment of its own.
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  };
  if (mode === 'gpu') {
    return {
      ...common,
      plugins: [listBundledPackages(found)],
      build: {
        outDir: resolve(outDir, 'gpu'),
        emptyOutDir: true,
        target: 'es2022',
        minify: false,
        copyPublicDir: false,
        lib: {
          entry: resolve(dirname, 'src/gpu/index.ts'),
          formats: ['es' as const],
          fileName: () => 'index.js',
        },
      },
    };
  }
  return {
    ...common,
    base: './',
    plugins: [
      svelte({ configFile: resolve(dirname, 'svelte.config.js') }),
      // Widget components' CSS goes to their shadow roots as constructable stylesheets.
      widgetCssPlugin(),
      listBundledPackages(found),
    ],
    build: {
      outDir,
      emptyOutDir: false,
      target: 'es2022',
      // KaTeX's fonts stay files, as in the site build (vite.config.ts).
      assetsInlineLimit: (file: string) => (/\.(woff2?|ttf|otf)$/.test(file) ? false : undefined),
      copyPublicDir: false,
      // Not library mode: that would inline KaTeX's fonts as data: URLs, which a strict
      // Content-Security-Policy refuses. The entry has no exports, only side effects.
      rollupOptions: {
        input: { widgets: resolve(dirname, 'site/embed/widgets.ts') },
        output: {
          entryFileNames: '[name].js',
          chunkFileNames: 'chunks/[name]-[hash].js',
          assetFileNames: 'assets/[name]-[hash][extname]',
        },
      },
    },
  };
});
