/**
 * README.md's measured numbers and docs/PERFORMANCE.md's results table, generated from data/
 * (README with the same tokens as the posts, data-tokens.ts): `node scripts/update-readme-numbers.mjs`
 * rewrites the sections between the markers, and a unit test fails when they and data/ disagree.
 */
import {
  formatSpeedup,
  formatTime,
  formatTimeRange,
  formatTokens,
} from '../../src/widgets/shared/format.ts';
import { SDPA_BACKEND_NAMES } from '../../src/widgets/shared/reference-dataset.ts';
import { resolveDataTokens, type TokenData } from './data-tokens.ts';
import {
  chunkedRunsFeatureMapPass,
  linearChunkedCost,
  softmaxFlashCost,
} from '../../src/gpu/forms/form-costs.ts';
import { formatBytes } from '../../src/gpu/format.ts';
import { DEFAULT_CHUNK_SIZE, DEFAULT_FEATURE_MAP } from '../../src/gpu/types.ts';

export const README_BEGIN =
  '<!-- numbers:begin (generated from data/ by scripts/update-readme-numbers.mjs; edit the template in site/build/readme-numbers.ts) -->';
export const README_END = '<!-- numbers:end -->';

/** The section's Markdown, with data tokens. */
export const README_TEMPLATE = `On the reference NVIDIA H200 ({{date}}; {{rounds}} rounds in one call, each number the median of its
round medians; our kernels in fp32 without tensor cores, forward only, batch 1, twelve heads of
d = 64, random inputs), chunked linear attention takes {{time linear-chunked 65536}} at 65,536 tokens
({{across-rounds linear-chunked 65536}}): {{ratio softmax-flash linear-chunked 65536}} faster than this
project's tiled softmax kernel ({{time softmax-flash 65536}}) and {{ratio torch.softmax-sdpa linear-chunked 65536}}
faster than PyTorch's fused fp32 attention on the same card ({{time torch.softmax-sdpa 65536}}). It
overtakes our tiled softmax {{crossover softmax-flash linear-chunked}}, and PyTorch's
{{crossover torch.softmax-sdpa linear-chunked}}. At 131,072 tokens it takes {{time linear-chunked 131072}},
where the tiled softmax kernel would take an estimated {{estimate-quadratic softmax-flash 131072}}.
These numbers were measured with the kernels as of commit {{dataset-commit}}; where the code has changed
since, [docs/PERFORMANCE.md](docs/PERFORMANCE.md#results) says what changed.`;

/** The generated section, markers included; throws a sentence listing any missing value. */
export function renderReadmeNumbers(data: TokenData | null): string {
  const { text, problems } = resolveDataTokens(README_TEMPLATE, data);
  if (problems.length) throw new Error(`README numbers: ${problems.join('; ')}`);
  return `${README_BEGIN}\n${text}\n${README_END}`;
}

/** README with its marked section replaced; throws when the markers are missing. */
export function replaceReadmeNumbers(readme: string, section: string): string {
  const begin = readme.indexOf(README_BEGIN);
  const end = readme.indexOf(README_END);
  if (begin < 0 || end < begin) {
    throw new Error(
      'README.md has no numbers section (the numbers:begin and numbers:end markers).',
    );
  }
  return readme.slice(0, begin) + section + readme.slice(end + README_END.length);
}

export const RESULTS_BEGIN =
  '<!-- results:begin (generated from data/ by scripts/update-readme-numbers.mjs) -->';
export const RESULTS_END = '<!-- results:end -->';

const FORMS = [
  'softmax-naive',
  'softmax-flash',
  'linear-attention',
  'linear-recurrent',
  'linear-chunked',
] as const;

/**
 * docs/PERFORMANCE.md's results table: every form at every length, the median over rounds with
 * the fastest and slowest round, or why the point was skipped; then PyTorch's fused fp32 SDPA
 * and the ratios that matter.
 */
export function renderResultsTable(data: TokenData | null): string {
  if (!data) throw new Error('results table: no reference data (data/reference-h200.json)');
  const ref = data.reference;
  const tokens = [...new Set(ref.records.map((r) => r.tokens))].sort((a, b) => a - b);
  const cell = (form: string, t: number): string => {
    const r = ref.records.find((x) => x.form === form && x.tokens === t);
    if (!r) return '';
    if (r.status !== 'ok' || r.medianMs === null) {
      return (r.reason ?? r.status).replace(/; this device allows.*/, '').replace(/\|/g, '/');
    }
    const spread = r.spread ? ` (${formatTimeRange(r.spread.minMs, r.spread.maxMs)})` : '';
    const partial = r.rounds < ref.rounds ? `, ${r.rounds} of ${ref.rounds} rounds` : '';
    return `${formatTime(r.medianMs)}${spread}${partial}`;
  };
  const ms = (form: string, t: number) =>
    ref.records.find((x) => x.form === form && x.tokens === t && x.status === 'ok')?.medianMs ??
    null;
  const sdpa = (t: number) =>
    ref.torch.find((b) => b.impl === 'torch' && b.form === 'softmax-sdpa' && b.tokens === t)?.ms ??
    null;
  const ratio = (a: number | null, b: number | null) =>
    a !== null && b !== null ? formatSpeedup(a / b) : '';
  const header = `| T | ${FORMS.join(' | ')} | PyTorch SDPA fp32 | flash / chunked | SDPA / chunked |`;
  const rule = `|${'---|'.repeat(FORMS.length + 4)}`;
  const rows = tokens.map((t) => {
    const s = sdpa(t);
    return `| ${formatTokens(t)} | ${FORMS.map((f) => cell(f, t)).join(' | ')} | ${
      s === null ? '' : formatTime(s)
    } | ${ratio(ms('softmax-flash', t), ms('linear-chunked', t))} | ${ratio(
      s,
      ms('linear-chunked', t),
    )} |`;
  });
  return [RESULTS_BEGIN, header, rule, ...rows, RESULTS_END].join('\n');
}

/** `text` with the section between `begin` and `end` (markers included) replaced. */
export function replaceSection(text: string, begin: string, end: string, section: string): string {
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`no section marked ${begin.slice(0, 22)}...`);
  return text.slice(0, i) + section + text.slice(j + end.length);
}

export const FLOORS_BEGIN =
  '<!-- floors:begin (generated from data/ by scripts/update-readme-numbers.mjs) -->';
export const FLOORS_END = '<!-- floors:end -->';

/** A ratio as "4.4×", "12×", or below 1 with two significant digits, "0.045×". */
function floorRatio(x: number): string {
  return x < 1 ? `${Number(x.toPrecision(2))}×` : formatSpeedup(x);
}

/** Lengths the floors table shows (those fla was also timed at). */
const FLOOR_TOKENS = [1024, 4096, 16384, 65536, 131072];

/** torch-anchor.py's copy baseline moves 2 GiB in and 2 GiB out. */
const COPY_BYTES = 2 * 2 ** 31;

/**
 * The reference H200's workgroup memory as Dawn offers it (maxComputeWorkgroupStorageSize, raised
 * by device.ts), for datasets that do not record it: those made from bench records written before
 * records carried the device's limits (data/reference-h200.json of 2026-12-02 is one). Datasets
 * that record it give their own (referenceWorkgroupStorageBytes).
 */
const H200_WORKGROUP_STORAGE_BYTES = 48 * 1024;

/**
 * The workgroup memory the floors' cost model assumes: the dataset's recorded
 * maxComputeWorkgroupStorageSize, or the H200's 48 KiB where the dataset predates the field. It
 * decides linear-chunked's kernels: at d = 64 and c = 64 with 48 KiB the whole-tile output kernel,
 * which maps features as it stages, so no feature-map pass.
 */
export function referenceWorkgroupStorageBytes(data: TokenData): number {
  return data.reference.limits?.maxComputeWorkgroupStorageSize ?? H200_WORKGROUP_STORAGE_BYTES;
}

interface FloorAnchor {
  /** Column heading. */
  label: string;
  /** Which list and which baseline. */
  list: 'torch' | 'torchBf16';
  impl: string;
  form: string;
}

interface FloorForm {
  form: 'softmax-flash' | 'linear-chunked';
  cost: typeof softmaxFlashCost;
  anchors: FloorAnchor[];
  /** The anchor "ours / anchor" is given against. */
  versus: number;
}

const FLOOR_FORMS: FloorForm[] = [
  {
    form: 'softmax-flash',
    cost: softmaxFlashCost,
    anchors: [
      { label: 'SDPA fp32', list: 'torch', impl: 'torch', form: 'softmax-sdpa' },
      { label: 'SDPA bf16', list: 'torchBf16', impl: 'torch', form: 'softmax-sdpa' },
    ],
    versus: 0,
  },
  {
    form: 'linear-chunked',
    cost: linearChunkedCost,
    anchors: [
      { label: 'eager fp32', list: 'torch', impl: 'torch', form: 'linear-chunked-norm' },
      { label: 'fla TF32', list: 'torch', impl: 'fla', form: 'fla-chunk-norm' },
      { label: 'fla bf16', list: 'torchBf16', impl: 'fla', form: 'fla-chunk-norm' },
    ],
    versus: 1,
  },
];

/** An anchor's heading: "SDPA bf16 (cuDNN)" where the data names the bf16 default's backend. */
function anchorLabel(anchor: FloorAnchor, data: TokenData): string {
  if (anchor.form !== 'softmax-sdpa' || anchor.list !== 'torchBf16') return anchor.label;
  const backend = data.reference.torchInfo?.sdpaDefault.bf16;
  return backend
    ? `${anchor.label} (${SDPA_BACKEND_NAMES[backend]?.short ?? backend})`
    : anchor.label;
}

/**
 * docs/PERFORMANCE.md's floors table: for softmax-flash and linear-chunked at each length, our
 * median, the TFLOP/s it achieves by the cost model, the model's floors (its FLOPs at the card's
 * measured fp32 SGEMM rate, its bytes at the measured copy rate, both from the same call) and how
 * far we are from the larger, then the native anchors of the same call and our ratio to one.
 */
export function renderFloorsTable(data: TokenData | null): string {
  if (!data) throw new Error('floors table: no reference data (data/reference-h200.json)');
  const ref = data.reference;
  const sgemm = ref.torch.find((b) => b.form === 'sgemm' && b.dtype === 'fp32');
  const copy = ref.torch.find((b) => b.form === 'copy');
  if (!sgemm?.tflops || !copy) {
    throw new Error('floors table: the reference call has no fp32 SGEMM or copy baseline');
  }
  const flopsPerMs = sgemm.tflops * 1e9;
  const bytesPerMs = COPY_BYTES / copy.ms;
  const workgroupStorageBytes = referenceWorkgroupStorageBytes(data);
  const chunked = ref.records.find((r) => r.form === 'linear-chunked');
  const chunkSize = chunked?.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const pass = chunkedRunsFeatureMapPass(ref.dim, {
    featureMap: chunked?.featureMap ?? DEFAULT_FEATURE_MAP,
    chunkSize,
    workgroupStorageBytes,
  })
    ? 'the feature-map pass and its phi(q), phi(k) buffers'
    : 'no feature-map pass, so no phi(q), phi(k) buffers';
  const lines = [
    FLOORS_BEGIN,
    `Rates from the same call: fp32 SGEMM (8,192 x 8,192) ${sgemm.tflops.toFixed(1)} TFLOP/s, copy ` +
      `${(bytesPerMs / 1e9).toFixed(2)} TB/s. Floor: the larger of the cost model's FLOPs at the ` +
      `SGEMM rate and its bytes at the copy rate, for the kernels a GPU with the H200's ` +
      `${formatBytes(workgroupStorageBytes)} of workgroup memory runs (linear-chunked ` +
      `at d = ${ref.dim}, c = ${chunkSize}: ${pass}). Ratios above 1 mean ours is slower.`,
  ];
  for (const spec of FLOOR_FORMS) {
    const versus = spec.anchors[spec.versus]!;
    lines.push(
      '',
      `| ${spec.form}, T | ours | TFLOP/s | FLOP floor | byte floor | ours / floor | ${spec.anchors
        .map((a) => anchorLabel(a, data))
        .join(' | ')} | ours / ${anchorLabel(versus, data)} |`,
      `|${'---|'.repeat(7 + spec.anchors.length)}`,
    );
    for (const t of FLOOR_TOKENS) {
      const r = ref.records.find((x) => x.form === spec.form && x.tokens === t);
      if (!r) continue;
      const ok = r.status === 'ok' && r.medianMs !== null;
      const cost = spec.cost(
        { heads: r.heads, tokens: t, dim: r.dim },
        {
          form: spec.form,
          chunkSize: r.chunkSize ?? DEFAULT_CHUNK_SIZE,
          featureMap: r.featureMap ?? DEFAULT_FEATURE_MAP,
          normalize: r.normalize ?? true,
          workgroupStorageBytes,
        },
      );
      const flops = cost.flops * r.heads;
      const bytes = cost.bytesMoved * r.heads;
      const flopFloor = flops / flopsPerMs;
      const byteFloor = bytes / bytesPerMs;
      const floor = Math.max(flopFloor, byteFloor);
      const anchorMs = spec.anchors.map(
        (a) =>
          ref[a.list].find(
            (b) => b.impl === a.impl && b.form === a.form && b.tokens === t && b.dim === r.dim,
          )?.ms ?? null,
      );
      const ours = ok ? r.medianMs! : null;
      const against = anchorMs[spec.versus] ?? null;
      const cells = [
        formatTokens(t),
        ours === null ? (r.reason ?? r.status).replace(/\|/g, '/') : formatTime(ours),
        ours === null ? '' : (flops / ours / 1e9).toFixed(1),
        formatTime(flopFloor),
        formatTime(byteFloor),
        ours === null ? '' : floorRatio(ours / floor),
        ...anchorMs.map((ms) => (ms === null ? '' : formatTime(ms))),
        ours === null || against === null ? '' : floorRatio(ours / against),
      ];
      lines.push(`| ${cells.join(' | ')} |`);
    }
  }
  lines.push(FLOORS_END);
  return lines.join('\n');
}
