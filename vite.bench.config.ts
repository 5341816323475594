import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// `npm run build:bench`: the benchmark CLI as ONE ES module for a bare GPU machine
// (../shared/gpu/README.md). Everything is bundled (WGSL `?raw` imports inlined) except Node's
// built-ins and Dawn (`webgpu`), which Node resolves from `.gpu/node_modules` beside it.
// BENCH_OUT_DIR moves the output (the tests build into a temporary folder).
export default defineConfig({
  root: import.meta.dirname,
  publicDir: false,
  logLevel: 'warn',
  ssr: { noExternal: true, external: ['webgpu'] },
  build: {
    ssr: resolve(import.meta.dirname, 'src/bench/cli.ts'),
    outDir: resolve(import.meta.dirname, process.env.BENCH_OUT_DIR ?? '.gpu/app'),
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    sourcemap: false,
    copyPublicDir: false,
    rollupOptions: {
      external: ['webgpu', /^node:/],
      output: { format: 'es', entryFileNames: 'bench.mjs', codeSplitting: false },
    },
  },
});
