// Summarises the flash-variant runs of one device call: reads every `<variant>_d<dim>_r<round>.json`
// (bench records) in the given folder and prints, per (d, T, variant), the median over rounds of
// the round medians, the spread across rounds, TFLOP/s (4 d T^2 / 2 per head, the causal half)
// and the ratio to the `plan` variant. Usage: node flash-variants-summary.mjs DIR [sdpa.json]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, sdpaFile] = process.argv.slice(2);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};
const runs = new Map();
for (const name of readdirSync(dir)) {
  const m = /^(.+)_d(\d+)_r(\d+)\.json$/.exec(name);
  if (!m) continue;
  const [, variant, dim] = m;
  const { records } = JSON.parse(readFileSync(join(dir, name), 'utf8'));
  for (const r of records) {
    if (r.status !== 'ok') continue;
    const key = `${dim}|${r.tokens}|${variant}`;
    if (!runs.has(key))
      runs.set(key, { dim: +dim, tokens: r.tokens, heads: r.heads, variant, ms: [] });
    runs.get(key).ms.push(r.medianMs);
  }
}
const sdpa = new Map();
if (sdpaFile) {
  try {
    // torch-anchor.py's records (one per round): the median over rounds.
    const parsed = JSON.parse(readFileSync(sdpaFile, 'utf8'));
    const byKey = new Map();
    for (const r of Array.isArray(parsed) ? parsed : parsed.records) {
      if (r.form !== 'softmax-sdpa' || (r.dtype ?? 'fp32') !== 'fp32') continue;
      const key = `${r.dim}|${r.tokens}`;
      byKey.set(key, [...(byKey.get(key) ?? []), r.ms]);
    }
    for (const [key, ms] of byKey) sdpa.set(key, median(ms));
  } catch {
    // no anchor this call
  }
}
// Variants whose first run failed (its --verify, or the run itself): flagged in the table.
const failed = new Set(
  readdirSync(dir)
    .map((name) => /^(.+)_d(\d+)\.failed$/.exec(name))
    .filter(Boolean)
    .map(([, variant, dim]) => `${dim}|${variant}`),
);
const rows = [...runs.values()].sort(
  (a, b) => a.dim - b.dim || a.tokens - b.tokens || a.variant.localeCompare(b.variant),
);
console.log(
  'd    T       variant           median ms  rounds  min-max ms          TFLOP/s  /plan  /SDPA',
);
if (sdpa.size)
  console.log(
    'SDPA fp32 (median over rounds): ' +
      [...sdpa].map(([k, ms]) => `${k.replace('|', ', T=')} ${ms.toPrecision(4)} ms`).join('; '),
  );
for (const r of rows) {
  const ms = median(r.ms);
  const flops = (4 * r.dim * r.tokens * r.tokens * r.heads) / 2;
  const plan = runs.get(`${r.dim}|${r.tokens}|plan`);
  const ratio = plan ? (ms / median(plan.ms)).toFixed(2) : '-';
  const s = sdpa.get(`${r.dim}|${r.tokens}`);
  console.log(
    `${String(r.dim).padEnd(4)} ${String(r.tokens).padEnd(7)} ${r.variant.padEnd(17)} ` +
      `${ms.toPrecision(4).padStart(9)}  ${String(r.ms.length).padStart(6)}  ` +
      `${(Math.min(...r.ms).toPrecision(4) + '-' + Math.max(...r.ms).toPrecision(4)).padEnd(18)}  ` +
      `${(flops / ms / 1e9).toFixed(1).padStart(7)}  ${ratio.padStart(5)}  ${s ? (ms / s).toFixed(2) : '-'}` +
      (failed.has(`${r.dim}|${r.variant}`) ? '  FAILED its check: not valid' : ''),
  );
}
