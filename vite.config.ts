import { svelte } from '@sveltejs/vite-plugin-svelte';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import { postsPlugin } from './site/build/posts-plugin.ts';

const root = resolve(import.meta.dirname, 'site');

// The site is static. Every index.html under site/ is an entry (the posts plugin finds them and
// writes the pages for posts/*.md); the GPU engine, widgets and data are bundled from src/ and data/.
export default defineConfig({
  root,
  base: './',
  plugins: [
    // The Vite root is site/, so point the plugin at the project's svelte.config.js.
    svelte({ configFile: resolve(import.meta.dirname, 'svelte.config.js') }),
    postsPlugin({
      root,
      postsDir: resolve(import.meta.dirname, 'posts'),
      kernelsDir: resolve(import.meta.dirname, 'src/gpu/kernels'),
    }),
  ],
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173 },
  build: {
    outDir: resolve(import.meta.dirname, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
  },
});
