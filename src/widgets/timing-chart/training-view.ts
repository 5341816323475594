/**
 * The timing chart's "training step" view: chart series, table rows and the summary sentence from
 * the training-step dataset (data/training-h200.json), for attention alone or a whole pre-norm
 * block. Pure functions of the dataset and the reader's choices, so they are unit-tested on the
 * fixture; the state class (timing-chart-state.svelte.ts) only holds the choices.
 */
import type { AttentionForm } from '../../gpu/types.ts';
import { spreadBar, type ChartPoint, type ChartSeries } from '../shared/chart.ts';
import { formatDuration, formatTokens } from '../shared/format.ts';
import { FORM_COLORS, FORM_LABELS } from '../shared/palette.ts';
import {
  nativeSeries,
  trainingSeries,
  type TrainingDataset,
  type TrainingRecord,
  type TrainingScope,
} from '../shared/training-dataset.ts';

/** Our trainable forms, in the order the view lists them. */
export const TRAINING_FORMS: readonly AttentionForm[] = [
  'softmax-flash',
  'linear-chunked',
  'gated-chunked',
];

/** What the reader chose to see. */
export interface TrainingViewOptions {
  scope: TrainingScope;
  /** Our series (the WGSL steps). */
  showOurs: boolean;
  /** PyTorch's fp32 steps (TF32 off). */
  showTorch: boolean;
  /** PyTorch's bf16 step (tensor cores; SDPA's default fused kernel, not recorded for steps). */
  showBf16: boolean;
  /** flash-linear-attention's Triton kernels (fp32 inputs, TF32 dots). */
  showFla: boolean;
  /** Our forms whose series (and the native series compared with them) are hidden. */
  hiddenForms: ReadonlySet<string>;
}

/**
 * The native series the view draws, each in the colour of our form it compares with: fused softmax
 * against our tiled softmax, the chunked linear forms (eager PyTorch, fla with its normaliser)
 * against our chunked linear form, fla's gated kernel against our gated form.
 */
export const NATIVE_TRAINING_SERIES: readonly {
  impl: 'torch' | 'fla';
  form: string;
  dtype: 'fp32' | 'bf16';
  label: string;
  compare: AttentionForm;
  dash: string;
  marker: 'square' | 'diamond' | 'plus';
}[] = [
  {
    impl: 'torch',
    form: 'softmax-sdpa',
    dtype: 'fp32',
    label: 'PyTorch fused softmax (SDPA), fp32',
    compare: 'softmax-flash',
    dash: '2 3',
    marker: 'square',
  },
  {
    impl: 'torch',
    form: 'softmax-sdpa',
    dtype: 'bf16',
    label: 'PyTorch fused attention (SDPA), bf16 tensor cores',
    compare: 'softmax-flash',
    dash: '6 2 1 2',
    marker: 'plus',
  },
  {
    impl: 'torch',
    form: 'linear-chunked-norm',
    dtype: 'fp32',
    label: 'PyTorch chunked linear (eager), fp32',
    compare: 'linear-chunked',
    dash: '2 3',
    marker: 'square',
  },
  {
    impl: 'fla',
    form: 'fla-chunk-norm',
    dtype: 'fp32',
    label: 'fla chunked linear with normaliser, TF32',
    compare: 'linear-chunked',
    dash: '1 2',
    marker: 'diamond',
  },
  {
    impl: 'fla',
    form: 'fla-gla-chunk',
    dtype: 'fp32',
    label: 'fla gated chunked (simple GLA), TF32',
    compare: 'gated-chunked',
    dash: '1 2',
    marker: 'diamond',
  },
  {
    impl: 'fla',
    form: 'fla-chunk-norm',
    dtype: 'bf16',
    label: 'fla chunked linear with normaliser, bf16',
    compare: 'linear-chunked',
    dash: '6 2 1 2',
    marker: 'plus',
  },
  {
    impl: 'fla',
    form: 'fla-gla-chunk',
    dtype: 'bf16',
    label: 'fla gated chunked (simple GLA), bf16',
    compare: 'gated-chunked',
    dash: '6 2 1 2',
    marker: 'plus',
  },
];

/** Whether the dataset has flash-linear-attention steps (the view offers them). */
export function hasFlaSteps(data: TrainingDataset): boolean {
  return data.native.some((n) => n.impl === 'fla');
}

/**
 * The key's words for the native series: squares, pluses and, where the data has fla, diamonds;
 * then how those steps were timed. torch-anchor.py launches training steps from Python and never
 * replays them as a CUDA graph (its `--train` rows have no graphMs), so the host's kernel launches
 * are inside their times, as the dataset's note says ("host launches included"). Ours are GPU
 * timestamps, as are the forward view's PyTorch times where the reference data has graph replays.
 */
export function nativeTrainingKey(data: TrainingDataset): string {
  const fla = hasFlaSteps(data);
  return (
    "Squares: PyTorch fp32 with TF32 off. Pluses: bf16 on the tensor cores (SDPA's default fused " +
    'kernel; this call did not record which).' +
    (fla
      ? ' Diamonds: flash-linear-attention (Triton), whose fp32 kernels multiply in TF32, faster than true fp32.'
      : '') +
    ` ${fla ? "PyTorch's and fla's" : "PyTorch's"} steps were launched from Python, so their times include the host's kernel launches.`
  );
}

/** The markers of our forms, as in the forward view. */
export type FormMarkers = Partial<Record<AttentionForm, NonNullable<ChartSeries['marker']>>>;

function nativeShown(entry: (typeof NATIVE_TRAINING_SERIES)[number], o: TrainingViewOptions) {
  if (o.hiddenForms.has(entry.compare)) return false;
  if (entry.dtype === 'bf16') return o.showBf16 && (entry.impl === 'torch' || o.showFla);
  return entry.impl === 'fla' ? o.showFla : o.showTorch;
}

function roundsText(p: { rounds: number; spread: { minMs: number; maxMs: number } | null }) {
  return p.spread
    ? `; ${p.rounds} rounds, ${formatDuration(p.spread.minMs)} to ${formatDuration(p.spread.maxMs)}`
    : '';
}

/** "attention alone" or "a whole layer (dModel 768, MLP 3072)". */
export function scopeText(data: TrainingDataset, scope: TrainingScope): string {
  if (scope === 'attention') return 'attention alone';
  return data.layer
    ? `a whole pre-norm layer (dModel ${data.layer.dModel}, MLP ${data.layer.mlp})`
    : 'a whole pre-norm layer';
}

/** Our series and the native ones for the chosen scope, with the spread across rounds. */
export function trainingChartSeries(
  data: TrainingDataset,
  o: TrainingViewOptions,
  markers: FormMarkers,
): ChartSeries[] {
  const out: ChartSeries[] = [];
  const machine = data.machine;
  for (const form of TRAINING_FORMS) {
    if (o.hiddenForms.has(form) || !o.showOurs) continue;
    const points = trainingSeries(data, o.scope, form).filter((r) => r.medianMs !== null);
    if (points.length === 0) continue;
    out.push({
      id: `train:${o.scope}:${form}`,
      label: `${FORM_LABELS[form]}, ours, fp32 (${machine})`,
      color: FORM_COLORS[form],
      marker: markers[form] ?? 'circle',
      hollow: true,
      dash: '5 3',
      points: points.map((r): ChartPoint => ({
        x: r.tokens,
        y: r.medianMs!,
        ...spreadBar(r.spread),
        text: `${FORM_LABELS[form]} (ours, WGSL fp32), ${scopeText(data, o.scope)}, ${formatTokens(r.tokens)} tokens: ${formatDuration(r.medianMs!)} per training step (${machine}${roundsText(r)})`,
      })),
    });
  }
  for (const entry of NATIVE_TRAINING_SERIES) {
    if (!nativeShown(entry, o)) continue;
    const points = nativeSeries(data, o.scope, entry.impl, entry.form, entry.dtype);
    if (points.length === 0) continue;
    out.push({
      id: `native:${o.scope}:${entry.impl}:${entry.form}:${entry.dtype}`,
      label: `${entry.label} (${machine})`,
      color: FORM_COLORS[entry.compare],
      dash: entry.dash,
      marker: entry.marker,
      hollow: true,
      points: points.map((p): ChartPoint => ({
        x: p.tokens,
        y: p.ms,
        ...spreadBar(p.spread),
        text: `${entry.label}, ${scopeText(data, o.scope)}, ${formatTokens(p.tokens)} tokens: ${formatDuration(p.ms)} per training step (${machine}${roundsText(p)})`,
      })),
    });
  }
  return out;
}

/** Our points that were not measured, with why (drawn as x marks). */
export function trainingSkipped(data: TrainingDataset, o: TrainingViewOptions): TrainingRecord[] {
  return data.records.filter(
    (r) => o.showOurs && r.scope === o.scope && r.status !== 'ok' && !o.hiddenForms.has(r.form),
  );
}

/** The data table: every point of the chosen scope, ours and native, with the spread. */
export function trainingTableRows(data: TrainingDataset, o: TrainingViewOptions): string[][] {
  const rows: string[][] = [];
  const spread = (p: { rounds: number; spread: { minMs: number; maxMs: number } | null }) =>
    p.spread
      ? `${formatDuration(p.spread.minMs)} to ${formatDuration(p.spread.maxMs)} (${p.rounds} rounds)`
      : '–';
  for (const form of TRAINING_FORMS) {
    if (o.hiddenForms.has(form) || !o.showOurs) continue;
    for (const r of data.records.filter((x) => x.scope === o.scope && x.form === form)) {
      rows.push([
        FORM_LABELS[form],
        'ours (WGSL, fp32)',
        formatTokens(r.tokens),
        r.medianMs !== null ? formatDuration(r.medianMs) : '–',
        spread(r),
        r.status === 'ok' ? 'measured' : `${r.status}: ${r.reason ?? ''}`,
      ]);
    }
  }
  for (const entry of NATIVE_TRAINING_SERIES) {
    if (!nativeShown(entry, o)) continue;
    for (const p of nativeSeries(data, o.scope, entry.impl, entry.form, entry.dtype)) {
      rows.push([
        entry.label,
        entry.impl === 'fla' ? 'flash-linear-attention' : 'PyTorch',
        formatTokens(p.tokens),
        formatDuration(p.ms),
        spread(p),
        'measured',
      ]);
    }
  }
  return rows;
}

const at = <T extends { tokens: number }>(list: readonly T[], tokens: number) =>
  list.find((p) => p.tokens === tokens);

/**
 * The sentence under the view: at the longest length where our chunked linear form and PyTorch's
 * fp32 softmax both have a point, their times, with bf16 and fla beside them when shown.
 */
export function describeTraining(data: TrainingDataset, o: TrainingViewOptions): string {
  const head =
    `Time per training step (forward + backward, no optimiser step) of ${scopeText(data, o.scope)} ` +
    `against context length, log-log, on ${data.machine}: batch 1, H = ${data.heads}, d = ${data.dim}, random inputs.`;
  const ours = trainingSeries(data, o.scope, 'linear-chunked');
  const sdpa = nativeSeries(data, o.scope, 'torch', 'softmax-sdpa', 'fp32');
  const common = ours.filter((r) => at(sdpa, r.tokens)).map((r) => r.tokens);
  const t = common.at(-1);
  if (t === undefined)
    return `${head} No length has both our chunked linear form and PyTorch's fp32 softmax.`;
  // In the layer scope each time is the whole block's step with that attention inside.
  const layer = o.scope === 'layer';
  const parts = [
    layer
      ? `At ${formatTokens(t)} tokens a layer with our chunked linear attention (fp32, no tensor cores) takes ${formatDuration(at(ours, t)!.medianMs!)}; PyTorch's layer with fused softmax in fp32 takes ${formatDuration(at(sdpa, t)!.ms)}`
      : `At ${formatTokens(t)} tokens our chunked linear attention (fp32, no tensor cores) takes ${formatDuration(at(ours, t)!.medianMs!)}; PyTorch's fused softmax in fp32 takes ${formatDuration(at(sdpa, t)!.ms)}`,
  ];
  const eager = at(nativeSeries(data, o.scope, 'torch', 'linear-chunked-norm', 'fp32'), t);
  if (eager) {
    parts.push(
      `${layer ? 'with the same chunked linear attention in eager PyTorch' : 'the same chunked linear attention in eager PyTorch'} ${formatDuration(eager.ms)}`,
    );
  }
  const bf16 = at(nativeSeries(data, o.scope, 'torch', 'softmax-sdpa', 'bf16'), t);
  if (o.showBf16 && bf16) {
    parts.push(
      `${layer ? 'in bf16 with fused attention' : 'fused attention in bf16'} on the tensor cores ${formatDuration(bf16.ms)}`,
    );
  }
  const fla = at(nativeSeries(data, o.scope, 'fla', 'fla-chunk-norm', 'fp32'), t);
  if (o.showFla && fla) {
    parts.push(
      `${layer ? "with fla's chunked kernels" : "fla's chunked kernels"} (TF32) ${formatDuration(fla.ms)}`,
    );
  }
  const oursSoftmax = at(trainingSeries(data, o.scope, 'softmax-flash'), t);
  const tail = oursSoftmax
    ? ` ${layer ? 'With our tiled softmax the layer takes' : 'Our tiled softmax takes'} ${formatDuration(oursSoftmax.medianMs!)} there.`
    : '';
  const bars =
    data.rounds >= 2 ? ` Bars span the fastest to the slowest of ${data.rounds} rounds.` : '';
  return `${head} ${parts.join(', ')}.${tail}${bars}`;
}
