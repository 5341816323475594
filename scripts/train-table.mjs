#!/usr/bin/env node
// Prints the training-step table of docs/PERFORMANCE.md from one GPU call's raw files:
//   node scripts/train-table.mjs data/runs/2026-12-01-h200-train
// bench.json: our records (task 'train' and 'forward', median over rounds and the rounds' spread);
// torch-train.json: torch-anchor.py --train, one row per round (median and min-max over rounds).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: node scripts/train-table.mjs <run folder>\n');
  process.exit(2);
}
const bench = JSON.parse(readFileSync(join(dir, 'bench.json'), 'utf8'));
const torch = JSON.parse(readFileSync(join(dir, 'torch-train.json'), 'utf8'));

/** 3 significant digits, us below 1 ms. */
function ms(value) {
  if (value == null || !Number.isFinite(value)) return '';
  if (value < 1) return `${Number((value * 1000).toPrecision(3))} us`;
  if (value >= 1000) return `${Number((value / 1000).toPrecision(3))} s`;
  return `${Number(value.toPrecision(3))} ms`;
}
function range(lo, hi) {
  return lo == null ? '' : ` (${ms(lo)}-${ms(hi)})`;
}

function ours(task, form, tokens) {
  const r = bench.records.find((x) => x.task === task && x.form === form && x.tokens === tokens);
  if (!r) return '';
  if (r.status !== 'ok' || r.medianMs == null) return r.reason ?? r.status;
  return `${ms(r.medianMs)}${r.spread ? range(r.spread.minMs, r.spread.maxMs) : ''}`;
}

function native(form, dtype, tokens) {
  const rows = torch.records.filter(
    (x) => x.pass === 'train' && x.form === form && x.dtype === dtype && x.tokens === tokens,
  );
  if (rows.length === 0) return 'not measured';
  const values = rows.map((x) => x.ms).sort((a, b) => a - b);
  const median = values[Math.floor(values.length / 2)];
  return `${ms(median)}${values.length > 1 ? range(values[0], values.at(-1)) : ''}`;
}

const tokens = [...new Set(bench.records.filter((r) => r.task === 'train').map((r) => r.tokens))];
const columns = [
  ['softmax-flash (ours)', (t) => ours('train', 'softmax-flash', t)],
  ['SDPA fp32', (t) => native('softmax-sdpa', 'fp32', t)],
  ['SDPA bf16', (t) => native('softmax-sdpa', 'bf16', t)],
  ['linear-chunked (ours)', (t) => ours('train', 'linear-chunked', t)],
  ['gated-chunked (ours)', (t) => ours('train', 'gated-chunked', t)],
  ['eager chunked fp32', (t) => native('linear-chunked-norm', 'fp32', t)],
  ['fla chunk + norm', (t) => native('fla-chunk-norm', 'fp32', t)],
  ['fla chunk_simple_gla', (t) => native('fla-gla-chunk', 'fp32', t)],
  [
    'ours, forward only: softmax-flash / linear-chunked',
    (t) => `${ours('forward', 'softmax-flash', t)} / ${ours('forward', 'linear-chunked', t)}`,
  ],
];
const lines = [
  `| T | ${columns.map(([name]) => name).join(' | ')} |`,
  `|---|${columns.map(() => '---').join('|')}|`,
  ...tokens.map(
    (t) => `| ${t.toLocaleString('en-US')} | ${columns.map(([, f]) => f(t)).join(' | ')} |`,
  ),
];
process.stdout.write(`${lines.join('\n')}\n`);
