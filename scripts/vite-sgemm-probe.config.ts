import { defineConfig } from 'vite';
import { nodeBundleConfig } from './vite-node-bundle.ts';

// The WGSL SGEMM ceiling probe (src/bench/sgemm-probe.ts) as one ES module for the GPU machine:
// `npx vite build --config scripts/vite-sgemm-probe.config.ts` writes .gpu/sgemm/sgemm-probe.mjs
// (SGEMM_OUT_DIR elsewhere).
export default defineConfig(
  nodeBundleConfig({
    entry: 'src/bench/sgemm-probe.ts',
    outDir: process.env.SGEMM_OUT_DIR ?? '.gpu/sgemm',
    fileName: 'sgemm-probe.mjs',
  }),
);
