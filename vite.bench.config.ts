import { defineConfig } from 'vite';
import { nodeBundleConfig } from './scripts/vite-node-bundle.ts';

// `npm run build:bench`: the benchmark CLI as one ES module for a bare GPU machine (see
// scripts/vite-node-bundle.ts). BENCH_OUT_DIR moves the output (the tests build into a temporary
// folder).
export default defineConfig(
  nodeBundleConfig({
    entry: 'src/bench/cli.ts',
    outDir: process.env.BENCH_OUT_DIR ?? '.gpu/app',
    fileName: 'bench.mjs',
  }),
);
