// Turns ONE GPU call into data/reference-h200.json, the dataset the article and widgets show: the
// bench CLI's JSON (run with --rounds N: each point already the median of its round medians, with
// the spread across rounds) and torch-anchor.py's JSON (PyTorch fp32 and bf16, flash-linear-attention),
// both written by scripts/gpu-reference-device.sh in the same call on the same card.
//
//   node scripts/make-reference-data.mjs --bench data/runs/DAY/bench.json \
//     --torch data/runs/DAY/torch.json --machine "NVIDIA H200" --command "<the call>" \
//     --commit <the SHA the bench bundle was built from> \
//     [--note-extra "<what this call did not finish>"] [--out FILE]
//
// --commit is stored as the dataset's `commit` (scripts/gpu-reference-run.sh prints it with the
// rest of the command): readers are told which commit's kernels were measured, since the code can
// move on before the next call. Optional, so that older calls can still be turned into a dataset.
//
// Never the best of several runs, never a merge of runs: one bench file, in which every point
// appears once, and one torch file, whose rounds are combined the same way as the bench's
// (src/gpu/rounds.ts: median of the round medians; min, quartiles and max kept).
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { register } from 'tsx/esm/api';

register();
const { adaptReference, SDPA_BACKEND_NAMES } =
  await import('../src/widgets/shared/reference-dataset.ts');
const {
  combineTorchRounds,
  datasetAdapter,
  failer,
  parseDatasetArgs,
  readBenchRecords,
  readTorchFile,
  torchInfo,
} = await import('./dataset-inputs.mjs');

const fail = failer('make-reference-data');
const values = parseDatasetArgs(fail, {
  out: 'data/reference-h200.json',
  torchRequired: false,
  commit: true,
});

const records = readBenchRecords(values.bench, fail);
const forward = records.filter((r) => r.task === 'forward');
const first = forward[0] ?? records[0];
if (!first) fail(`${values.bench} holds no records.`);
const rounds = Math.max(...records.map((r) => r.rounds ?? 1));

/** torch-anchor rows, one per (round, dtype, impl, form, T), combined over rounds. */
function combineBaselines(file) {
  return combineTorchRounds(file, values.torch, fail).map(({ row, fields, spread, timing }) => {
    // Work per call from any round (tflops * ms), over the combined median.
    const work = typeof row.tflops === 'number' ? row.tflops * row.ms : null;
    return {
      ...fields,
      tflops: work === null ? null : work / fields.ms,
      ...(typeof row.gbps === 'number' ? { gbps: (row.gbps * row.ms) / fields.ms } : {}),
      ...spread,
      // roundsBatch, singleMs, graphMs, backend (dataset-inputs.mjs, timingFields).
      ...timing,
    };
  });
}

let torchFile = null;
let baselines = [];
if (values.torch) {
  torchFile = readTorchFile(values.torch, fail);
  baselines = combineBaselines(torchFile);
}
const torchRounds = baselines.length ? Math.max(...baselines.map((b) => b.rounds)) : 0;

const adapter = datasetAdapter(values.machine, first);
const fla = baselines.find((b) => b.impl === 'fla' && b.dtype === 'fp32');
const info = torchFile ? torchInfo(torchFile) : null;

/** The note's sentences on the native baselines: what ran, how it was timed. */
function nativeNote() {
  if (!baselines.length) return 'No native baselines in this call.';
  const sentences = [
    `torch: PyTorch's own kernels in fp32 (TF32 off) on the same card in the same call; torchBf16: ` +
      `the same in bf16 on the tensor cores. Both in ${torchRounds} round${torchRounds === 1 ? '' : 's'} ` +
      'inside one Python process, combined the same way.',
  ];
  // Batched files give roundsBatch on every row; older ones timed one call per pair of events.
  sentences.push(
    baselines.every((b) => Array.isArray(b.roundsBatch))
      ? baselines.some((b) => typeof b.callMs === 'number')
        ? 'Native times (ms) are GPU time per call, as ours are: a batch of back-to-back calls ' +
          '(roundsBatch, sized to span at least 2 ms) captured as one CUDA graph and replayed between ' +
          'two CUDA events, over its length (graphMs), so no host launch is inside them; a call that ' +
          'alone spans 2 ms runs once, without a graph. callMs is the same batch launched call by call ' +
          'from Python (host launches included), singleMs one call alone.'
        : 'Native times are per call: a batch of back-to-back calls (roundsBatch, sized to span at ' +
          'least 2 ms) between two CUDA events, over its length; singleMs is one call alone.'
      : 'Native times are one call each between two CUDA events (host launch gaps included at short lengths).',
  );
  const chosen = info?.sdpaDefault ?? {};
  const fp32 = chosen.fp32 ?? (torchFile?.sdpaBackends?.fp32 ?? []).filter((b) => b !== 'math')[0];
  if (fp32) {
    sentences.push(
      `In fp32, SDPA runs PyTorch's ${fp32.replace(/_/g, ' ')} kernel (${
        chosen.fp32 ? "PyTorch's own choice" : 'the fused backend that accepts fp32'
      }).`,
    );
  }
  const forced = [
    ...new Set(
      baselines
        .filter((b) => b.dtype === 'bf16' && /^softmax-sdpa-/.test(b.form))
        .map((b) => b.form),
    ),
  ];
  sentences.push(
    chosen.bf16
      ? `In bf16, SDPA's default (softmax-sdpa) ran ${SDPA_BACKEND_NAMES[chosen.bf16]?.words ?? chosen.bf16} ` +
          `(${chosen.bf16}: PyTorch's own choice, torch._fused_sdp_choice; the kernels by name in ` +
          `torchInfo.sdpaKernels)${forced.length ? `; ${forced.join(', ')} force one fused backend each` : ''}.`
      : "In bf16, SDPA runs a fused kernel (FlashAttention-2 or cuDNN's); which one ran was not recorded.",
  );
  if (fla) {
    sentences.push(
      `impl "fla" is flash-linear-attention (Triton); its fp32 rows ran with Triton's default ` +
        `fp32 dot precision, ${fla.precision} (TF32 is faster than true fp32 and favours fla).`,
    );
  }
  return sentences.join(' ');
}

const dataset = {
  placeholder: false,
  note:
    `Kernel times of this project's WGSL through Dawn (Vulkan) on one GPU: fp32, forward only, no tensor ` +
    `cores, batch 1, random inputs, GPU timestamps. ${rounds} independent rounds in one call, every form ` +
    `and length visited once per round (form order rotated each round); each point is the median of its ` +
    `round medians, with min, quartiles and max across rounds (spread) and the number of rounds kept. ` +
    nativeNote() +
    (values['note-extra'] ? ` ${values['note-extra']}` : ''),
  generatedBy: values.command,
  ...(values.commit ? { commit: values.commit } : {}),
  sources: [values.bench, ...(values.torch ? [values.torch] : [])].map((p) =>
    relative(process.cwd(), p),
  ),
  adapter,
  // The device's limits, where the bench records carry them (records written before the field
  // existed do not): the floors table reads the workgroup memory, which decides the chunked
  // forms' kernels (site/build/readme-numbers.ts).
  ...(first.limits ? { limits: first.limits } : {}),
  runtime: first.runtime,
  date: first.date,
  heads: first.heads,
  dim: first.dim,
  rounds,
  torchInfo: info,
  records: forward,
  chunkSearch: records.filter((r) => r.task === 'chunk-search'),
  generation: records.filter((r) => r.task === 'decode'),
  torch: baselines.filter((b) => b.dtype === 'fp32'),
  torchBf16: baselines.filter((b) => b.dtype === 'bf16'),
};

// The widgets' validator must accept every entry.
const adapted = adaptReference(dataset);
if (!adapted || adapted.dropped.length > 0) {
  fail(`the dataset does not validate: ${adapted?.dropped.join('; ') ?? 'not an object'}`);
}
writeFileSync(values.out, `${JSON.stringify(dataset, null, 1)}\n`);
console.log(
  `wrote ${values.out}: ${forward.length} forward, ${dataset.chunkSearch.length} chunk-search, ` +
    `${dataset.generation.length} decode records (${rounds} rounds); ${dataset.torch.length} fp32 and ` +
    `${dataset.torchBf16.length} bf16 baselines (${torchRounds} rounds)`,
);
