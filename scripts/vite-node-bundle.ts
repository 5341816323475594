import { resolve } from 'node:path';
import type { UserConfig } from 'vite';

/** What differs between the Node bundles: the entry, where it goes, and the file's name. */
export interface NodeBundle {
  /** The entry module, relative to the repository root (`src/bench/cli.ts`). */
  entry: string;
  /** The output folder, relative to the repository root. */
  outDir: string;
  /** The one file written (`bench.mjs`). */
  fileName: string;
}

const root = resolve(import.meta.dirname, '..');

/**
 * A CLI as ONE ES module for a bare GPU machine (no npm there): everything bundled (WGSL
 * `?raw` imports inlined) except Node's built-ins and Dawn (`webgpu`), which Node resolves from
 * `.gpu/node_modules` beside it. Used by vite.bench.config.ts and vite.train.config.ts.
 */
export function nodeBundleConfig({ entry, outDir, fileName }: NodeBundle): UserConfig {
  return {
    root,
    publicDir: false,
    logLevel: 'warn',
    ssr: { noExternal: true, external: ['webgpu'] },
    build: {
      ssr: resolve(root, entry),
      outDir: resolve(root, outDir),
      emptyOutDir: true,
      target: 'node20',
      minify: false,
      sourcemap: false,
      copyPublicDir: false,
      rollupOptions: {
        external: ['webgpu', /^node:/],
        output: { format: 'es', entryFileNames: fileName, codeSplitting: false },
      },
    },
  };
}
