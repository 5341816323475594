import { defineConfig } from 'vite';
import { nodeBundleConfig } from './scripts/vite-node-bundle.ts';

// `npm run build:train`: the MQAR trainer's CLI (src/bench/train-cli.ts) as one ES module for a
// bare GPU machine, as vite.bench.config.ts does for the benchmark. TRAIN_OUT_DIR moves the output.
export default defineConfig(
  nodeBundleConfig({
    entry: 'src/bench/train-cli.ts',
    outDir: process.env.TRAIN_OUT_DIR ?? '.gpu/app-train',
    fileName: 'train.mjs',
  }),
);
