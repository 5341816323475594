import { defineConfig } from 'vite';
import { nodeBundleConfig } from './vite-node-bundle.ts';

// The f16 / tensor-core probe (src/bench/f16-probe.ts) as one ES module for the GPU machine:
// `npx vite build --config scripts/vite-f16-probe.config.ts` writes .gpu/tc/f16-probe.mjs.
export default defineConfig(
  nodeBundleConfig({
    entry: 'src/bench/f16-probe.ts',
    outDir: process.env.F16_OUT_DIR ?? '.gpu/tc',
    fileName: 'f16-probe.mjs',
  }),
);
