import { defineConfig } from 'vite';
import { nodeBundleConfig } from './scripts/vite-node-bundle.ts';

// `npx vite build --config vite.recurrent.config.ts`: the benchmark CLI with recurrent-kernel
// variants in place of forms of the same function (RECURRENT_SLOTS, src/bench/recurrent-variants.ts),
// as one ES module for a bare GPU machine. RECURRENT_OUT_DIR moves the output.
export default defineConfig(
  nodeBundleConfig({
    entry: 'src/bench/recurrent-variants.ts',
    outDir: process.env.RECURRENT_OUT_DIR ?? '.gpu/recurrent',
    fileName: 'recurrent-variants.mjs',
  }),
);
