// Builds the site and runs the Playwright tests against `vite preview`, after making sure a
// Chromium exists. Extra arguments go to Playwright (e.g. a file filter or --project).
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { findChromium, NO_CHROMIUM } from './chromium.mjs';

if (!(await findChromium())) {
  console.error(NO_CHROMIUM);
  process.exit(1);
}
const distDir = resolve(process.env.DIST_DIR ?? 'dist');
const run = (args) => spawnSync('npx', args, { stdio: 'inherit' }).status ?? 1;
if (process.env.E2E_SKIP_BUILD !== '1') {
  const status = run(['vite', 'build', '--outDir', distDir, '--emptyOutDir', '--logLevel', 'warn']);
  if (status !== 0) process.exit(status);
}
process.exit(run(['playwright', 'test', ...process.argv.slice(2)]));
