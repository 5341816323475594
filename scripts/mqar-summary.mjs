#!/usr/bin/env node
// Prints one line per MQAR run from trainer CLI JSON files (npm run train -- --json FILE):
//   node scripts/mqar-summary.mjs out/mqar-*.json
// Recall and loss are means over the last tenth of the steps taken (at least one step).
import { readFileSync } from 'node:fs';

const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
console.log(
  'file                 form      pairs  d   lr      steps/planned  loss   recall  steps/s',
);
for (const file of process.argv.slice(2)) {
  let record;
  try {
    record = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    console.log(`${file}: ${error.message}`);
    continue;
  }
  for (const run of record.runs ?? []) {
    const tail = Math.max(1, Math.floor(run.steps / 10));
    console.log(
      [
        file
          .replace(/^.*\//, '')
          .replace(/\.json$/, '')
          .padEnd(20),
        run.model.form.padEnd(8),
        String(run.task.pairs).padStart(6),
        String(run.model.dModel).padStart(4),
        String(run.optimizer.learningRate).padStart(7),
        `${run.steps}/${run.plannedSteps ?? run.steps}`.padStart(13),
        mean(run.loss.slice(-tail)).toFixed(3).padStart(6),
        `${(100 * mean(run.accuracy.slice(-tail))).toFixed(1)}%`.padStart(7),
        (run.steps / run.seconds).toFixed(0).padStart(8),
      ].join(' '),
    );
  }
}
