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
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { register } from 'tsx/esm/api';

register();
const { adaptTraining, TRAINING_FORMAT } =
  await import('../src/widgets/shared/training-dataset.ts');
const {
  combineTorchRounds,
  datasetAdapter,
  failer,
  parseDatasetArgs,
  readBenchRecords,
  readTorchFile,
  torchInfo,
} = await import('./dataset-inputs.mjs');

/** Two files whose times lie further apart than this come from two calls. */
const MAX_CALL_GAP_MIN = 45;

const fail = failer('make-training-data');
const values = parseDatasetArgs(fail, { out: 'data/training-h200.json', torchRequired: true });

// Ours: the training records, one per point.
const records = readBenchRecords(
  values.bench,
  fail,
  (r) => r.task === 'train' || r.task === 'layer',
);
if (records.length === 0) {
  fail(`${values.bench} holds no training-step records (task 'train' or 'layer').`);
}

// Native: torch-anchor rows combined over rounds.
const torchFile = readTorchFile(values.torch, fail);
if (!(torchFile.passes ?? []).includes('train')) {
  fail(
    `${values.torch} holds forward passes, not training steps (run torch-anchor.py --train --layer).`,
  );
}
const native = combineTorchRounds(
  torchFile,
  values.torch,
  fail,
  (row) => row.scope ?? 'attention',
).map(({ scope, fields, spread, timing }) => ({ scope, ...fields, ...spread, ...timing }));

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
// How torch-anchor timed the steps: batches of back-to-back calls (rows with `batch`, from
// 2026-12-02) or one call alone (older files); either way launched from Python, launches inside.
const batched = (torchFile.records ?? []).some((r) => typeof r.batch === 'number');
const nativeTiming = batched
  ? 'each step the per-call time of a batch of back-to-back steps launched from Python between two ' +
    'CUDA events (host launches included)'
  : 'each step timed alone from Python between two CUDA events (host launches included)';
// SDPA's bf16 kernel in a step, where every bf16 step row names the same backend; else unrecorded.
const bf16Sdpa = (torchFile.records ?? []).filter(
  (r) => r.impl === 'torch' && r.form === 'softmax-sdpa' && r.dtype === 'bf16',
);
const bf16Backends = new Set(bf16Sdpa.map((r) => r.backend));
const bf16Kernel =
  bf16Sdpa.length > 0 && bf16Backends.size === 1 && typeof bf16Sdpa[0].backend === 'string'
    ? `SDPA's fused kernel ${bf16Sdpa[0].backend}`
    : "SDPA's default fused kernel, not recorded for these steps";
const flaMissing = (torchFile.flaWarmup ?? []).filter((w) => w.status !== 'ok');
const dataset = {
  format: TRAINING_FORMAT,
  version: 1,
  note:
    `Training steps on one GPU, batch 1, random inputs, no optimizer step. Ours: this project's WGSL ` +
    `through Dawn (Vulkan), fp32 without tensor cores, GPU timestamps: attention alone (forward with ` +
    `saved statistics, then the gradients of q, k, v and the decays) and a whole pre-norm block ` +
    `(the gradients of every parameter and of the block input). ${rounds} rounds in one call, forms interleaved; each point is ` +
    `the median of its round medians, with min, quartiles and max. Native, on the same card in the ` +
    `same call, ${torchRounds} rounds combined the same way, ${nativeTiming}: PyTorch in fp32 ` +
    `(TF32 off) and bf16 (${bf16Kernel}; the bf16 block is all bf16), ` +
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
  adapter: datasetAdapter(values.machine, first),
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
  torchInfo: { ...torchInfo(torchFile), flaWarmup: torchFile.flaWarmup ?? [] },
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
