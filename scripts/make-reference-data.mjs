// Turns one real-GPU run (the bench CLI's JSON and torch_anchor.py's JSON, made in the same call on
// the same card) into data/reference-h200.json, the dataset the article and widgets show first.
//
//   node scripts/make-reference-data.mjs --bench a.json[,b.json...] --torch torch.json \
//     --machine "NVIDIA H200" --command "<the command that produced them>" [--out FILE]
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    bench: { type: 'string' },
    torch: { type: 'string' },
    machine: { type: 'string' },
    command: { type: 'string', default: '' },
    out: { type: 'string', default: 'data/reference-h200.json' },
  },
});
if (!values.bench || !values.machine) {
  console.error('make-reference-data: --bench FILE and --machine NAME are required.');
  process.exit(2);
}

// --bench takes one file or several, comma-separated: whole runs repeated in the same call, or
// one run per form. Where several runs measured the same point, the lowest median is kept: the
// GPU machine is shared, and interference only ever makes a kernel slower.
const best = new Map();
for (const file of values.bench.split(',')) {
  const bench = JSON.parse(readFileSync(file, 'utf8'));
  for (const record of Array.isArray(bench) ? bench : bench.records) {
    const key = [record.task, record.form, record.tokens, record.chunkSize].join('|');
    const kept = best.get(key);
    const better =
      !kept ||
      (record.status === 'ok' && (kept.status !== 'ok' || record.medianMs < kept.medianMs));
    if (better) best.set(key, record);
  }
}
const records = [...best.values()];
const torch = values.torch ? JSON.parse(readFileSync(values.torch, 'utf8')) : [];
const forward = records.filter((r) => r.task === 'forward');
const first = forward[0] ?? records[0];
if (!first) {
  console.error('make-reference-data: the bench file holds no records.');
  process.exit(1);
}
const driver = first.adapter?.description ?? '';
const adapter = {
  ...first.adapter,
  name: values.machine,
  description: `${values.machine}${driver ? ` (Vulkan driver ${driver.replace(/^NVIDIA:\s*/, '').split(' ')[0]})` : ''}`,
};
const dataset = {
  placeholder: false,
  note:
    "Kernel times of this project's WGSL through Dawn (Vulkan) on one GPU, fp32, batch 1; " +
    'torch holds PyTorch native fp32 kernels on the same card in the same call (shared/gpu/torch_anchor.py). ' +
    'Points measured by more than one run keep the lowest median.',
  generatedBy: values.command,
  adapter,
  runtime: first.runtime,
  date: first.date,
  heads: first.heads,
  dim: first.dim,
  records: forward,
  chunkSearch: records.filter((r) => r.task === 'chunk-search'),
  generation: records.filter((r) => r.task === 'decode'),
  torch: Array.isArray(torch) ? torch : (torch.records ?? []),
};
writeFileSync(values.out, `${JSON.stringify(dataset, null, 1)}\n`);
console.log(
  `wrote ${values.out}: ${forward.length} forward, ${dataset.chunkSearch.length} chunk-search, ` +
    `${dataset.generation.length} decode, ${dataset.torch.length} torch records`,
);
