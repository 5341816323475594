#!/usr/bin/env node
// Prints the MQAR table of docs/LEARNING.md from the learning reference:
//   node scripts/learning-table.mjs [data/learning-h200.json]
// One row per number of pairs and width; per form, the recall over the last tenth of the steps
// (the `final` values of scripts/make-learning-data.mjs) and, where a run stopped early, its steps.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'data/learning-h200.json';
const data = JSON.parse(readFileSync(file, 'utf8'));
const forms = ['softmax', 'linear', 'gated'];
const rows = new Map();
for (const run of data.runs) {
  const key = `${run.task.pairs} ${run.model.dModel}`;
  if (!rows.has(key)) rows.set(key, { pairs: run.task.pairs, dModel: run.model.dModel, runs: {} });
  rows.get(key).runs[run.model.form] = run;
}
const cell = (run) => {
  if (!run) return '';
  const recall = `${Math.round(100 * run.final.recall)}%`;
  return run.steps < run.plannedSteps ? `${recall} (${run.steps} steps)` : recall;
};
console.log(
  `| pairs | width (head size d) | tokens | ${forms.map((f) => `${f} recall`).join(' | ')} |`,
);
console.log(`|---|---|---|${forms.map(() => '---').join('|')}|`);
for (const row of [...rows.values()].sort((a, b) => a.dModel - b.dModel || a.pairs - b.pairs)) {
  const any = Object.values(row.runs)[0];
  console.log(
    `| ${row.pairs} | ${row.dModel} (${row.dModel / any.model.heads}) | ${any.task.tokens} | ` +
      `${forms.map((f) => cell(row.runs[f])).join(' | ')} |`,
  );
}
