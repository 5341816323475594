import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// `npm run build:train`: the MQAR trainer's CLI (src/bench/train-cli.ts) as ONE ES module for a
// bare GPU machine, as vite.bench.config.ts does for the benchmark: everything bundled (WGSL
// inlined) except Node's built-ins and Dawn (`webgpu`). TRAIN_OUT_DIR moves the output.
export default defineConfig({
  root: import.meta.dirname,
  publicDir: false,
  logLevel: 'warn',
  ssr: { noExternal: true, external: ['webgpu'] },
  build: {
    ssr: resolve(import.meta.dirname, 'src/bench/train-cli.ts'),
    outDir: resolve(import.meta.dirname, process.env.TRAIN_OUT_DIR ?? '.gpu/app-train'),
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    sourcemap: false,
    copyPublicDir: false,
    rollupOptions: {
      external: ['webgpu', /^node:/],
      output: { format: 'es', entryFileNames: 'train.mjs', codeSplitting: false },
    },
  },
});
