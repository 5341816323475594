// Turns ONE GPU call's training-step files into data/training-h200.json, the dataset the timing
// chart's "training step" view and the article read: the bench CLI's JSON (`--train` and
// `--train --layer`: records with task 'train', attention alone, and 'layer', a whole pre-norm
// block; each point already the median of its round medians, with the spread) and
// torch-anchor.py's JSON (`--train --layer`: PyTorch fp32 and bf16 and flash-linear-attention,
// one row per round), both measured on the same card in the same call.
//
//   node scripts/make-training-data.mjs --bench RESULTS/layer/bench-train.json \
//     --torch RESULTS/trainchart/torch-train.json --machine "NVIDIA H200" --command "<the call>" \
//     [--note-extra "<what this call did not finish>"] [--out FILE]
//
// One bench file and one torch file, never several runs merged or the best of them picked; a file
// that holds a point twice, or two files more than MAX_CALL_GAP_MIN minutes apart (two calls), is
// refused with a sentence.
import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { register } from 'tsx/esm/api';

register();
const { parseRecordsFile } = await import('../src/gpu/records.ts');
const { pointKey, summarizeRounds } = await import('../src/gpu/rounds.ts');
const { adaptTraining, TRAINING_FORMAT } =
  await import('../src/widgets/shared/training-dataset.ts');

/** Two files whose times lie further apart than this come from two calls. */
const MAX_CALL_GAP_MIN = 45;

const fail = (sentence) => {
  console.error(`make-training-data: ${sentence}`);
  process.exit(2);
};

const { values } = parseArgs({
  options: {
    bench: { type: 'string' },
    torch: { type: 'string' },
    machine: { type: 'string' },
    command: { type: 'string', default: '' },
    'note-extra': { type: 'string', default: '' },
    out: { type: 'string', default: 'data/training-h200.json' },
  },
});
if (!values.bench || !values.torch || !values.machine) {
  fail('--bench FILE, --torch FILE and --machine NAME are required.');
}
for (const name of ['bench', 'torch']) {
  if (values[name].includes(',')) {
    fail(
      `--${name} takes the JSON of one call only; several runs are never merged or picked from. ` +
        'Measure again with more rounds instead.',
    );
  }
}

const read = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    return fail(`cannot read ${path}: ${error.message}`);
  }
};

// Ours: the training records, one per point.
let benchFile;
try {
  benchFile = parseRecordsFile(read(values.bench));
} catch (error) {
  fail(`${values.bench}: ${error.message}`);
}
const records = benchFile.records.filter((r) => r.task === 'train' || r.task === 'layer');
if (records.length === 0) {
  fail(`${values.bench} holds no training-step records (task 'train' or 'layer').`);
}
const seen = new Set();
for (const r of records) {
  const key = pointKey(r);
  if (seen.has(key)) {
    fail(
      `${values.bench} holds ${r.task} ${r.form} at T = ${r.tokens} more than once; the dataset ` +
        'takes one record per point, the median over the rounds of one call.',
    );
  }
  seen.add(key);
}

// Native: torch-anchor rows combined over rounds.
let torchFile;
try {
  torchFile = JSON.parse(read(values.torch));
} catch (error) {
  fail(`${values.torch} is not JSON: ${error.message}`);
}
if (
  torchFile?.format !== 'linear-attention-live/torch-anchor' ||
  !Array.isArray(torchFile.records)
) {
  fail(
    `${values.torch} is not torch-anchor.py's JSON (format linear-attention-live/torch-anchor).`,
  );
}
if (!(torchFile.passes ?? []).includes('train')) {
  fail(
    `${values.torch} holds forward passes, not training steps (run torch-anchor.py --train --layer).`,
  );
}
const groups = new Map();
for (const row of torchFile.records) {
  const scope = row.scope ?? 'attention';
  const key = [scope, row.dtype, row.impl, row.form, row.tokens, row.heads, row.dim].join('|');
  const list = groups.get(key) ?? [];
  if (list.some((other) => other.round === row.round)) {
    fail(
      `${values.torch} holds ${scope} ${row.dtype} ${row.form} at T = ${row.tokens} twice in round ${row.round}.`,
    );
  }
  list.push({ ...row, scope });
  groups.set(key, list);
}
const native = [...groups.values()].map((list) => {
  const row = list[0];
  const roundsMs = [...list].sort((a, b) => a.round - b.round).map((r) => r.ms);
  const s = summarizeRounds(roundsMs);
  return {
    scope: row.scope,
    impl: row.impl,
    form: row.form,
    dtype: row.dtype,
    precision: row.precision ?? null,
    tokens: row.tokens,
    heads: row.heads,
    dim: row.dim,
    ms: s.medianMs,
    rounds: s.rounds,
    roundsMs,
    spread: s.rounds >= 2 ? s.spread : null,
  };
});

// One call: the bench's points and the torch run lie within MAX_CALL_GAP_MIN minutes.
const benchTimes = records.map((r) => Date.parse(r.date)).filter(Number.isFinite);
const torchTimes = [torchFile.started, torchFile.finished]
  .map((t) => Date.parse(t ?? ''))
  .filter(Number.isFinite);
if (benchTimes.length === 0 || torchTimes.length === 0) {
  fail('both files need their dates (records[].date, started) to show they come from one call.');
}
const all = [...benchTimes, ...torchTimes];
const gapMin = (Math.max(...all) - Math.min(...all)) / 60000;
if (gapMin > MAX_CALL_GAP_MIN) {
  fail(
    `${values.bench} and ${values.torch} lie ${Math.round(gapMin)} minutes apart: two calls. ` +
      'The dataset takes both sides from one call on one card.',
  );
}

const first = records[0];
const rounds = Math.max(...records.map((r) => r.rounds ?? 1));
const torchRounds = Math.max(0, ...native.map((n) => n.rounds));
const layer = torchFile.layer ?? null;
const fla = native.find((n) => n.impl === 'fla' && n.dtype === 'fp32');
const flaMissing = (torchFile.flaWarmup ?? []).filter((w) => w.status !== 'ok');
const driver = first.adapter?.description ?? '';
const dataset = {
  format: TRAINING_FORMAT,
  version: 1,
  note:
    `Training steps on one GPU, batch 1, random inputs, no optimizer step. Ours: this project's WGSL ` +
    `through Dawn (Vulkan), fp32 without tensor cores, GPU timestamps: attention alone (forward with ` +
    `saved statistics, then the gradients of q, k, v and the decays) and a whole pre-norm block ` +
    `(the gradients of every parameter and of the block input). ${rounds} rounds in one call, forms interleaved; each point is ` +
    `the median of its round medians, with min, quartiles and max. Native, on the same card in the ` +
    `same call, ${torchRounds} rounds combined the same way: PyTorch in fp32 (TF32 off) and bf16 ` +
    `(SDPA runs FlashAttention-2; the bf16 block is all bf16), ` +
    (fla
      ? `and flash-linear-attention (Triton) whose fp32 kernels ran with Triton's default dot ` +
        `precision, ${fla.precision} (faster than true fp32; the rest of its block stays fp32). `
      : 'no flash-linear-attention numbers in this call. ') +
    (flaMissing.length
      ? `Not measured: ${flaMissing.map((w) => `fla ${w.form} ${w.dtype} (${w.reason})`).join('; ')}. `
      : '') +
    (values['note-extra'] ? values['note-extra'] : ''),
  generatedBy: values.command,
  sources: [values.bench, values.torch].map((p) => relative(process.cwd(), p)),
  adapter: {
    ...first.adapter,
    name: values.machine,
    description: `${values.machine}${driver ? ` (Vulkan driver ${driver.replace(/^NVIDIA:\s*/, '').split(' ')[0]})` : ''}`,
  },
  runtime: first.runtime,
  date: first.date,
  heads: first.heads,
  dim: first.dim,
  rounds,
  layer: layer
    ? {
        dModel: layer.dModel,
        mlp: layer.mlp,
        description:
          `One pre-norm block (layer norms, QKV and output projections, MLP ${layer.mlp} with GELU), ` +
          `batch 1: forward, then the gradients of every parameter and of the block input; no ` +
          `optimizer step. PyTorch: ${layer.projections}; ${layer.loss}.`,
      }
    : null,
  torchInfo: {
    device: torchFile.device,
    torch: torchFile.torch,
    tritonF32Default: torchFile.tritonF32Default,
    sdpaBackends: torchFile.sdpaBackends,
    started: torchFile.started,
    finished: torchFile.finished ?? null,
    flaWarmup: torchFile.flaWarmup ?? [],
  },
  records,
  native,
};

const adapted = adaptTraining(dataset);
if (!adapted || adapted.dropped.length > 0) {
  fail(`the dataset does not validate: ${adapted?.dropped.join('; ') ?? 'not an object'}`);
}
writeFileSync(values.out, `${JSON.stringify(dataset, null, 1)}\n`);
const count = (scope) =>
  records.filter((r) => (r.task === 'train') === (scope === 'attention')).length;
console.log(
  `wrote ${values.out}: ${count('attention')} attention and ${count('layer')} layer records ` +
    `(${rounds} rounds); ${native.length} native points (${torchRounds} rounds)`,
);
