// Turns ONE device call of scripts/mqar-device.sh into data/learning-h200.json, the reference
// curves of the learning widget and the numbers of the article's catch section:
//
//   node scripts/make-learning-data.mjs --call data/runs/DAY-h200-mqar --lr 0.003 \
//     --command "<the call>" [--window 25] [--exclude REGEX] [--out data/learning-h200.json]
//
// Reads every mqar-*.json in the folder (one per process of that call; --exclude leaves out the
// files whose names match, e.g. a check run of an earlier trainer) and env.txt (the commit);
// src/bench/train-merge.ts says what is kept. Never a merge of calls.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { register } from 'tsx/esm/api';

register();
const { mergeLearningRecords } = await import('../src/bench/train-merge.ts');

const { values } = parseArgs({
  options: {
    call: { type: 'string' },
    lr: { type: 'string' },
    window: { type: 'string', default: '25' },
    exclude: { type: 'string' },
    command: { type: 'string', default: '' },
    out: { type: 'string', default: 'data/learning-h200.json' },
  },
});
if (!values.call || !values.lr) {
  console.error('make-learning-data: --call FOLDER and --lr RATE are required.');
  process.exit(2);
}
const names = readdirSync(values.call)
  .filter((n) => /^mqar-.*\.json$/.test(n))
  .filter((n) => !values.exclude || !new RegExp(values.exclude).test(n))
  .sort();
const files = names.map((name) => ({
  name,
  record: JSON.parse(readFileSync(join(values.call, name), 'utf8')),
}));
const env = readFileSync(join(values.call, 'env.txt'), 'utf8');
const commit = /^commit (\S+)/m.exec(env)?.[1] ?? 'unknown';
try {
  const merged = mergeLearningRecords(files, {
    learningRate: Number(values.lr),
    window: Number(values.window),
    provenance: {
      commit,
      call: basename(values.call),
      command: values.command,
      generatedBy:
        `node scripts/make-learning-data.mjs --call ${values.call} --lr ${values.lr} ` +
        `--window ${values.window}${values.exclude ? ` --exclude '${values.exclude}'` : ''}`,
    },
  });
  writeFileSync(values.out, `${JSON.stringify(merged)}\n`);
  console.log(`${values.out}: ${merged.runs.length} runs from ${names.length} files`);
} catch (error) {
  console.error(`make-learning-data: ${error.message}`);
  process.exit(2);
}
