import { defineConfig } from 'vite';
import { nodeBundleConfig } from './scripts/vite-node-bundle.ts';

// `npx vite build --config vite.flash.config.ts`: the benchmark CLI with softmax-flash's kernel
// chosen by FLASH_VARIANT (src/bench/flash-variants.ts), as one ES module for a bare GPU machine.
// FLASH_OUT_DIR moves the output.
export default defineConfig(
  nodeBundleConfig({
    entry: 'src/bench/flash-variants.ts',
    outDir: process.env.FLASH_OUT_DIR ?? '.gpu/flash',
    fileName: 'flash-variants.mjs',
  }),
);
