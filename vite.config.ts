import { svelte } from '@sveltejs/vite-plugin-svelte';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const root = resolve(import.meta.dirname, 'site');

// The site is static: every page under site/ is an entry; the GPU engine, widgets and data are
// imported from src/ and data/ and bundled.
export default defineConfig({
  root,
  base: './',
  plugins: [svelte()],
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173 },
  build: {
    outDir: resolve(import.meta.dirname, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: {
      input: {
        index: resolve(root, 'index.html'),
        harness: resolve(root, 'harness/index.html'),
      },
    },
  },
});
