// `npm test`: every check the project has, in order, each run even if an earlier one failed, and
// one summary line at the end. Exits non-zero if any step failed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findChromium, NO_CHROMIUM } from './chromium.mjs';

const chromium = await findChromium();
if (!chromium) {
  console.error(NO_CHROMIUM);
  process.exit(1);
}

// The vitest steps also write a JSON report, so that the summary at the end (the part of a long
// log a CI page shows) can name the tests that failed and why.
const reports = mkdtempSync(join(tmpdir(), 'la-test-'));
function vitest(project) {
  const file = join(reports, `${project}.json`);
  return [
    'vitest',
    'run',
    '--project',
    project,
    '--reporter=default',
    '--reporter=json',
    `--outputFile=${file}`,
  ];
}

/** Up to `max` failed tests of a vitest JSON report, one line each with its first message line. */
function failedTests(file, max = 12) {
  let report;
  try {
    report = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return [`  (no report at ${file})`];
  }
  const lines = [];
  for (const suite of report.testResults ?? []) {
    const failures = (suite.assertionResults ?? []).filter((t) => t.status === 'failed');
    if (failures.length === 0 && suite.status === 'failed') {
      lines.push(`  ${suite.name}: ${firstLine(suite.message)}`);
    }
    for (const t of failures) {
      lines.push(`  ${t.fullName ?? t.title}: ${firstLine(t.failureMessages?.[0])}`);
    }
  }
  return lines.length > max
    ? [...lines.slice(0, max), `  ... and ${lines.length - max} more`]
    : lines;
}

function firstLine(message) {
  return (
    String(message ?? '')
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.slice(0, 300) ?? ''
  );
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
  ['unit tests', 'npx', vitest('unit')],
  ['GPU tests (Dawn)', 'npx', vitest('gpu')],
  ['end-to-end tests (Chromium)', 'node', ['scripts/e2e.mjs']],
];

const results = [];
const started = Date.now();
for (const [name, command, args] of steps) {
  console.log(`\n=== ${name}: ${command} ${args.join(' ')}`);
  const t0 = Date.now();
  const status = spawnSync(command, args, { stdio: 'inherit' }).status ?? 1;
  const report = args.find((a) => a.startsWith('--outputFile='))?.slice('--outputFile='.length);
  results.push({ name, ok: status === 0, seconds: (Date.now() - t0) / 1000, report });
}

console.log('\n=== summary');
for (const r of results) {
  console.log(`${r.ok ? 'pass' : 'FAIL'}  ${r.name} (${r.seconds.toFixed(1)} s)`);
  if (!r.ok && r.report) console.log(failedTests(r.report).join('\n'));
}
const failed = results.filter((r) => !r.ok);
const total = ((Date.now() - started) / 1000).toFixed(0);
console.log(
  failed.length === 0
    ? `npm test: all ${results.length} steps passed in ${total} s (Chromium: ${chromium})`
    : `npm test: ${failed.length} of ${results.length} steps failed (${failed.map((r) => r.name).join(', ')}) in ${total} s`,
);
process.exit(failed.length === 0 ? 0 : 1);
