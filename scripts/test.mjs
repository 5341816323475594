// `npm test`: every check the project has, in order, each run even if an earlier one failed, and
// one summary line at the end. Exits non-zero if any step failed.
import { spawnSync } from 'node:child_process';
import { findChromium, NO_CHROMIUM } from './chromium.mjs';

const chromium = await findChromium();
if (!chromium) {
  console.error(NO_CHROMIUM);
  process.exit(1);
}

const steps = [
  [
    'types (svelte-check)',
    'npx',
    ['svelte-check', '--tsconfig', './tsconfig.json', '--fail-on-warnings'],
  ],
  ['types (tsc)', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']],
  ['lint (eslint)', 'npx', ['eslint', '.']],
  ['format (prettier)', 'npx', ['prettier', '--check', '.']],
  ['unit tests', 'npx', ['vitest', 'run', '--project', 'unit']],
  ['GPU tests (Dawn)', 'npx', ['vitest', 'run', '--project', 'gpu']],
  ['end-to-end tests (Chromium)', 'node', ['scripts/e2e.mjs']],
];

const results = [];
const started = Date.now();
for (const [name, command, args] of steps) {
  console.log(`\n=== ${name}: ${command} ${args.join(' ')}`);
  const t0 = Date.now();
  const status = spawnSync(command, args, { stdio: 'inherit' }).status ?? 1;
  results.push({ name, ok: status === 0, seconds: (Date.now() - t0) / 1000 });
}

console.log('\n=== summary');
for (const r of results) {
  console.log(`${r.ok ? 'pass' : 'FAIL'}  ${r.name} (${r.seconds.toFixed(1)} s)`);
}
const failed = results.filter((r) => !r.ok);
const total = ((Date.now() - started) / 1000).toFixed(0);
console.log(
  failed.length === 0
    ? `npm test: all ${results.length} steps passed in ${total} s (Chromium: ${chromium})`
    : `npm test: ${failed.length} of ${results.length} steps failed (${failed.map((r) => r.name).join(', ')}) in ${total} s`,
);
process.exit(failed.length === 0 ? 0 : 1);
