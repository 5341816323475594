#!/usr/bin/env node
// Prints the training-step tables of docs/PERFORMANCE.md from one GPU call's raw files:
//   node scripts/train-table.mjs data/runs/2026-12-01-h200-train
// bench-train.json (or bench.json): our records (task 'train', 'layer' and 'forward', median over
// rounds and the rounds' spread); torch-train.json: torch-anchor.py --train --layer, one row per
// round and scope (median and min-max over rounds). One table for attention alone, one for the
// whole layer when the call timed it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: node scripts/train-table.mjs <run folder>\n');
  process.exit(2);
}
const benchPath = existsSync(join(dir, 'bench-train.json'))
  ? join(dir, 'bench-train.json')
  : join(dir, 'bench.json');
const bench = JSON.parse(readFileSync(benchPath, 'utf8'));
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

function native(form, dtype, tokens, scope = 'attention') {
  const rows = torch.records.filter(
    (x) =>
      x.pass === 'train' &&
      (x.scope ?? 'attention') === scope &&
      x.form === form &&
      x.dtype === dtype &&
      x.tokens === tokens,
  );
  if (rows.length === 0) return 'not measured';
  const values = rows.map((x) => x.ms).sort((a, b) => a - b);
  const median = values[Math.floor(values.length / 2)];
  return `${ms(median)}${values.length > 1 ? range(values[0], values.at(-1)) : ''}`;
}

function table(task, columns) {
  const tokens = [...new Set(bench.records.filter((r) => r.task === task).map((r) => r.tokens))];
  return [
    `| T | ${columns.map(([name]) => name).join(' | ')} |`,
    `|---|${columns.map(() => '---').join('|')}|`,
    ...tokens.map(
      (t) => `| ${t.toLocaleString('en-US')} | ${columns.map(([, f]) => f(t)).join(' | ')} |`,
    ),
  ].join('\n');
}

const hasForward = bench.records.some((r) => r.task === 'forward');
const attention = [
  ['softmax-flash (ours)', (t) => ours('train', 'softmax-flash', t)],
  ['SDPA fp32', (t) => native('softmax-sdpa', 'fp32', t)],
  ['SDPA bf16', (t) => native('softmax-sdpa', 'bf16', t)],
  ['linear-chunked (ours)', (t) => ours('train', 'linear-chunked', t)],
  ['gated-chunked (ours)', (t) => ours('train', 'gated-chunked', t)],
  ['eager chunked fp32', (t) => native('linear-chunked-norm', 'fp32', t)],
  ['fla chunk + norm', (t) => native('fla-chunk-norm', 'fp32', t)],
  ['fla chunk_simple_gla', (t) => native('fla-gla-chunk', 'fp32', t)],
  ...(hasForward
    ? [
        [
          'ours, forward only: softmax-flash / linear-chunked',
          (t) => `${ours('forward', 'softmax-flash', t)} / ${ours('forward', 'linear-chunked', t)}`,
        ],
      ]
    : []),
];
const out = [table('train', attention)];
if (bench.records.some((r) => r.task === 'layer')) {
  const layer = [
    ['softmax-flash layer (ours)', (t) => ours('layer', 'softmax-flash', t)],
    ['SDPA layer fp32', (t) => native('softmax-sdpa', 'fp32', t, 'layer')],
    ['SDPA layer bf16', (t) => native('softmax-sdpa', 'bf16', t, 'layer')],
    ['linear-chunked layer (ours)', (t) => ours('layer', 'linear-chunked', t)],
    ['gated-chunked layer (ours)', (t) => ours('layer', 'gated-chunked', t)],
    ['eager chunked layer fp32', (t) => native('linear-chunked-norm', 'fp32', t, 'layer')],
    ['fla chunk + norm layer', (t) => native('fla-chunk-norm', 'fp32', t, 'layer')],
    ['fla chunk_simple_gla layer', (t) => native('fla-gla-chunk', 'fp32', t, 'layer')],
  ];
  out.push(table('layer', layer));
}
process.stdout.write(`${out.join('\n\n')}\n`);
