// `npm run train -- [options]`: runs the MQAR trainer's CLI (src/bench/train-cli.ts) from source
// through tsx, with a hook for Vite's `?raw` imports (the WGSL kernels). `npm run build:train`
// bundles the same CLI into one file for a bare GPU machine.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

register('./raw-loader.mjs', import.meta.url);
registerTsx();
await import('../src/bench/train-cli.ts');
