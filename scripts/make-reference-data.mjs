// Turns ONE GPU call into data/reference-h200.json, the dataset the article and widgets show: the
// bench CLI's JSON (run with --rounds N: each point already the median of its round medians, with
// the spread across rounds) and torch-anchor.py's JSON (PyTorch fp32 and bf16, flash-linear-attention),
// both written by scripts/gpu-reference-device.sh in the same call on the same card.
//
//   node scripts/make-reference-data.mjs --bench data/runs/DAY/bench.json \
//     --torch data/runs/DAY/torch.json --machine "NVIDIA H200" --command "<the call>" \
//     [--note-extra "<what this call did not finish>"] [--out FILE]
//
// Never the best of several runs, never a merge of runs: one bench file, in which every point
// appears once, and one torch file, whose rounds are combined the same way as the bench's
// (src/gpu/rounds.ts: median of the round medians; min, quartiles and max kept).
import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { register } from 'tsx/esm/api';

register();
const { parseRecordsFile } = await import('../src/gpu/records.ts');
const { pointKey, summarizeRounds } = await import('../src/gpu/rounds.ts');
const { adaptReference } = await import('../src/widgets/shared/reference-dataset.ts');

const fail = (sentence) => {
  console.error(`make-reference-data: ${sentence}`);
  process.exit(2);
};

const { values } = parseArgs({
  options: {
    bench: { type: 'string' },
    torch: { type: 'string' },
    machine: { type: 'string' },
    command: { type: 'string', default: '' },
    // Facts about this call a reader of the data should know (what ran out of time, say).
    'note-extra': { type: 'string', default: '' },
    out: { type: 'string', default: 'data/reference-h200.json' },
  },
});
if (!values.bench || !values.machine) fail('--bench FILE and --machine NAME are required.');
if (values.bench.includes(',')) {
  fail(
    '--bench takes the JSON of one call only; several runs are never merged or picked from. ' +
      'Measure again with --rounds N instead.',
  );
}

const benchFile = parseRecordsFile(readFileSync(values.bench, 'utf8'));
const seen = new Map();
for (const r of benchFile.records) {
  const key = pointKey(r);
  if (seen.has(key)) {
    fail(
      `${values.bench} holds ${r.task} ${r.form} at T = ${r.tokens}${r.chunkSize ? ` (c = ${r.chunkSize})` : ''} ` +
        'more than once; the dataset takes one record per point, the median over the rounds of one call.',
    );
  }
  seen.set(key, r);
}
const records = benchFile.records;
const forward = records.filter((r) => r.task === 'forward');
const first = forward[0] ?? records[0];
if (!first) fail(`${values.bench} holds no records.`);
const rounds = Math.max(...records.map((r) => r.rounds ?? 1));

/** torch-anchor rows, one per (round, dtype, impl, form, T), combined over rounds. */
function combineBaselines(file) {
  if (file.format !== 'linear-attention-live/torch-anchor' || !Array.isArray(file.records)) {
    fail(
      `${values.torch} is not torch-anchor.py's JSON (format linear-attention-live/torch-anchor).`,
    );
  }
  const groups = new Map();
  for (const row of file.records) {
    const key = [row.dtype, row.impl, row.form, row.tokens, row.heads, row.dim].join('|');
    const list = groups.get(key) ?? [];
    if (list.some((other) => other.round === row.round)) {
      fail(
        `${values.torch} holds ${row.dtype} ${row.form} at T = ${row.tokens} twice in round ${row.round}.`,
      );
    }
    list.push(row);
    groups.set(key, list);
  }
  const out = [];
  for (const list of groups.values()) {
    const row = list[0];
    const roundsMs = [...list].sort((a, b) => a.round - b.round).map((r) => r.ms);
    const s = summarizeRounds(roundsMs);
    // Work per call from any round (tflops * ms), over the combined median.
    const work = typeof row.tflops === 'number' ? row.tflops * row.ms : null;
    out.push({
      impl: row.impl,
      form: row.form,
      dtype: row.dtype,
      precision: row.precision ?? null,
      tokens: row.tokens,
      heads: row.heads,
      dim: row.dim,
      ms: s.medianMs,
      tflops: work === null ? null : work / s.medianMs,
      ...(typeof row.gbps === 'number' ? { gbps: (row.gbps * row.ms) / s.medianMs } : {}),
      rounds: s.rounds,
      roundsMs,
      spread: s.rounds >= 2 ? s.spread : null,
    });
  }
  return out;
}

let torchFile = null;
let baselines = [];
if (values.torch) {
  torchFile = JSON.parse(readFileSync(values.torch, 'utf8'));
  baselines = combineBaselines(torchFile);
}
const torchRounds = baselines.length ? Math.max(...baselines.map((b) => b.rounds)) : 0;

const driver = first.adapter?.description ?? '';
const adapter = {
  ...first.adapter,
  name: values.machine,
  description: `${values.machine}${driver ? ` (Vulkan driver ${driver.replace(/^NVIDIA:\s*/, '').split(' ')[0]})` : ''}`,
};
const fusedFp32 = (torchFile?.sdpaBackends?.fp32 ?? [])
  .filter((b) => b !== 'math')
  .map((b) => b.replace(/_/g, ' '))[0];
const fla = baselines.find((b) => b.impl === 'fla' && b.dtype === 'fp32');
const dataset = {
  placeholder: false,
  note:
    `Kernel times of this project's WGSL through Dawn (Vulkan) on one GPU: fp32, forward only, no tensor ` +
    `cores, batch 1, random inputs, GPU timestamps. ${rounds} independent rounds in one call, every form ` +
    `and length visited once per round (form order rotated each round); each point is the median of its ` +
    `round medians, with min, quartiles and max across rounds (spread) and the number of rounds kept. ` +
    (baselines.length
      ? `torch: PyTorch's own kernels in fp32 (TF32 off) on the same card in the same call; ` +
        `torchBf16: the same in bf16 on the tensor cores (SDPA runs FlashAttention-2). ` +
        `Both in ${torchRounds} round${torchRounds === 1 ? '' : 's'} inside one Python process, combined the same way. ` +
        (fusedFp32
          ? `In fp32, SDPA runs PyTorch's ${fusedFp32} kernel (the fused backend that accepts fp32). `
          : '') +
        (fla
          ? `impl "fla" is flash-linear-attention (Triton); its fp32 rows ran with Triton's default ` +
            `fp32 dot precision, ${fla.precision} (TF32 is faster than true fp32 and favours fla).`
          : '')
      : 'No native baselines in this call.') +
    (values['note-extra'] ? ` ${values['note-extra']}` : ''),
  generatedBy: values.command,
  sources: [values.bench, ...(values.torch ? [values.torch] : [])].map((p) =>
    relative(process.cwd(), p),
  ),
  adapter,
  runtime: first.runtime,
  date: first.date,
  heads: first.heads,
  dim: first.dim,
  rounds,
  torchInfo: torchFile
    ? {
        device: torchFile.device,
        torch: torchFile.torch,
        tritonF32Default: torchFile.tritonF32Default,
        sdpaBackends: torchFile.sdpaBackends,
        started: torchFile.started,
        finished: torchFile.finished ?? null,
      }
    : null,
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
