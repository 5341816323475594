import { defineConfig } from 'vite';
import { nodeBundleConfig } from './vite-node-bundle.ts';

// linear-chunked-f16's accuracy probe (src/bench/linear-f16-probe.ts) as one ES module for the GPU
// machine: `npx vite build --config scripts/vite-linear-f16-probe.config.ts` writes
// .gpu/f16lin/linear-f16-probe.mjs (F16LIN_OUT_DIR elsewhere).
export default defineConfig(
  nodeBundleConfig({
    entry: 'src/bench/linear-f16-probe.ts',
    outDir: process.env.F16LIN_OUT_DIR ?? '.gpu/f16lin',
    fileName: 'linear-f16-probe.mjs',
  }),
);
