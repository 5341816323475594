/**
 * What the timing chart knows: the reference GPU's sweep (shown at once), the reader's sweep as it
 * streams in, which series are shown, and the derived chart parts (series, skipped marks, slope
 * guides, the crossover, the summary sentence and the data table).
 */
import { SvelteSet } from 'svelte/reactivity';
import type { BenchRecord } from '../../gpu/records.ts';
import { sweepAttention } from '../../gpu/sweep/plans.ts';
import { CHARTED_FORMS, takesOption, type AttentionForm } from '../../gpu/forms/registry.ts';
import {
  CHUNK_SEARCH_BUDGET_MS,
  describeChunkSize,
  pageChunkSizes,
  type ChunkSizeAnswer,
  type ChunkSizeSetting,
} from '../shared/chunk-size.ts';
import {
  findCrossover,
  logDomain,
  slopeGuide,
  spreadBar,
  spreadMarks,
  type ChartGuide,
  type ChartMark,
  type ChartMarker,
  type ChartPoint,
  type ChartRule,
  type ChartSeries,
} from '../shared/chart.ts';
import { LiveSweep } from '../shared/chart-sweep.svelte.ts';
import { formatDuration, formatTokens } from '../shared/format.ts';
import { canRequestLive, liveSweepOptions } from '../shared/live-gpu.ts';
import { pageGpu } from '../shared/page-gpu.svelte.ts';
import { FORM_COLORS, FORM_LABELS } from '../shared/palette.ts';
import { publishedH100, referenceData, type TorchBaseline } from '../shared/reference-data.ts';
import { trainingData, type TrainingDataset, type TrainingScope } from '../shared/training-data.ts';
import {
  describeTraining,
  hasFlaSteps,
  trainingChartSeries,
  trainingSkipped,
  trainingTableRows,
  type TrainingViewOptions,
} from './training-view.ts';
import { Visibility } from '../shared/visibility.ts';

export interface TimingChartConfig {
  minTokens: number;
  maxTokens: number;
  heads: number;
  dim: number;
  /**
   * The chunked forms' chunk size, or "auto": each chunked form at this GPU's own
   * (shared/chunk-size.ts), found before the sweep.
   */
  chunkSize: ChunkSizeSetting;
  /** Time budget per point, ms. */
  pointBudgetMs: number;
  /**
   * Turns the PyTorch baselines on (true) or off (false) when it changes; they are shown by
   * default, and the reader can still toggle them.
   */
  showTorch?: boolean;
  /**
   * What the chart shows when it opens: 'forward' (forward passes, the reader's GPU on top) or
   * 'training' (training steps from the training dataset); the reader can switch. Default
   * 'forward'. Like showTorch, a change of the attribute sets it.
   */
  view?: ChartView;
  /** The training view's scope when it opens: attention alone (default) or a whole layer. */
  trainingScope?: TrainingScope;
}

/** The chart's two views: forward passes, or training steps (forward + backward). */
export type ChartView = 'forward' | 'training';

export type Dataset = 'reference' | 'live' | 'published' | 'torch';

/**
 * Each form's marker: at 128 to 1,024 tokens several forms take about the same time and their lines
 * lie on one another, so shapes (not only colours) keep them apart. Squares are PyTorch's and
 * pluses the published numbers'.
 */
export const FORM_MARKERS: Partial<Record<AttentionForm, ChartMarker>> = {
  'softmax-naive': 'circle',
  'softmax-flash': 'triangle',
  'linear-attention': 'triangle-down',
  'linear-recurrent': 'diamond',
  'linear-chunked': 'star',
  'gated-chunked': 'hourglass',
};

/**
 * The PyTorch baselines the chart overlays, each drawn in the colour of our form it compares with:
 * SDPA (a fused flash kernel) against tiled softmax, and eager chunked linear with the normaliser
 * (the same algorithm as ours) against chunked linear.
 */
export const TORCH_SERIES: readonly { form: string; label: string; compare: AttentionForm }[] = [
  { form: 'softmax-sdpa', label: 'PyTorch fused softmax (SDPA)', compare: 'softmax-flash' },
  {
    form: 'linear-chunked-norm',
    label: 'PyTorch chunked linear (eager)',
    compare: 'linear-chunked',
  },
];

/**
 * The reference machine's PyTorch baselines as chart series (dotted, hollow squares), one per entry
 * of TORCH_SERIES that has points and whose compared form is not hidden. `machine` names the GPU
 * in the tooltips ("NVIDIA H200").
 */
export function torchBaselineSeries(
  torch: readonly TorchBaseline[],
  machine: string,
  hiddenForms?: ReadonlySet<string>,
): ChartSeries[] {
  const out: ChartSeries[] = [];
  for (const { form, label, compare } of TORCH_SERIES) {
    if (hiddenForms?.has(compare)) continue;
    const points = torch
      .filter((t) => t.form === form && t.tokens > 0 && t.ms > 0 && Number.isFinite(t.ms))
      .sort((a, b) => a.tokens - b.tokens);
    if (points.length === 0) continue;
    out.push({
      id: `torch:${form}`,
      label: `${label} (PyTorch on ${machine})`,
      color: FORM_COLORS[compare],
      dash: '2 3',
      marker: 'square',
      hollow: true,
      points: points.map((t) => ({
        x: t.tokens,
        y: t.ms,
        ...spreadBar(t.spread),
        text: `${label}, ${formatTokens(t.tokens)} tokens: ${formatDuration(t.ms)} (PyTorch native fp32 on ${machine}, H = ${t.heads}, d = ${t.dim})`,
      })),
    });
  }
  return out;
}

/** Published series of the source post, matched to the form they correspond to. */
const PUBLISHED_FORMS: Record<string, AttentionForm> = {
  'Baseline transformer': 'softmax-flash',
  'Baseline transformer (no FlashAttention)': 'softmax-naive',
  'Naïve linear transformer': 'linear-recurrent',
  'Optimized linear transformer': 'linear-chunked',
};

/** Powers of two from min to max (inclusive). */
export function sweepLengths(minTokens: number, maxTokens: number): number[] {
  const out: number[] = [];
  for (let e = Math.ceil(Math.log2(Math.max(minTokens, 1))); 2 ** e <= maxTokens; e++)
    out.push(2 ** e);
  return out;
}

/** The log-log slope of a series' last `n` points (least squares), or null with fewer than 2. */
export function tailSlope(points: readonly { x: number; y: number }[], n = 3): number | null {
  const tail = [...points].sort((a, b) => a.x - b.x).slice(-n);
  if (tail.length < 2) return null;
  const lx = tail.map((p) => Math.log(p.x));
  const ly = tail.map((p) => Math.log(p.y));
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length;
  const my = ly.reduce((a, b) => a + b, 0) / ly.length;
  let num = 0;
  let den = 0;
  lx.forEach((v, i) => {
    num += (v - mx) * ((ly[i] ?? 0) - my);
    den += (v - mx) ** 2;
  });
  return den > 0 ? num / den : null;
}

/**
 * The chunk size a dataset's records of this form ran at (its first record that has one), or null
 * for a form without one or with no records.
 */
export function findChunkSize(records: readonly BenchRecord[], form: string): number | null {
  return records.find((r) => r.form === form && r.chunkSize !== null)?.chunkSize ?? null;
}

/** A form's measured points, with the spread across rounds (min to max) where there is one. */
export function okPoints(
  records: readonly BenchRecord[],
  form: string,
): { x: number; y: number; lo?: number; hi?: number; rounds: number }[] {
  return records
    .filter((r) => r.form === form && r.status === 'ok' && r.medianMs !== null)
    .map((r) => ({
      x: r.tokens,
      y: r.medianMs ?? Number.NaN,
      rounds: r.rounds ?? 1,
      ...spreadBar(r.spread),
    }))
    .sort((a, b) => a.x - b.x);
}

/** "(3 rounds: 1.21-1.30 ms)" for a point with a spread, else "". */
function spreadText(p: { lo?: number; hi?: number; rounds: number }): string {
  if (p.lo === undefined || p.hi === undefined) return '';
  return `; ${p.rounds} rounds, ${formatDuration(p.lo)} to ${formatDuration(p.hi)}`;
}

/**
 * Sentences about one dataset: the log-log slopes of tiled softmax and chunked linear at the
 * longest lengths, and where chunked linear overtakes tiled softmax.
 */
export function describeRun(records: readonly BenchRecord[], name: string): string[] {
  const parts: string[] = [];
  const slope = (form: AttentionForm): string | null => {
    const s = tailSlope(okPoints(records, form));
    return s === null ? null : s.toFixed(1);
  };
  const sf = slope('softmax-flash');
  const lc = slope('linear-chunked');
  if (sf && lc) {
    parts.push(
      `On ${name}, tiled softmax grows with slope ${sf} on the log-log chart at its longest lengths (2 means time ∝ T²), chunked linear with slope ${lc} (1 means time ∝ T).`,
    );
  }
  const c = findCrossover(okPoints(records, 'softmax-flash'), okPoints(records, 'linear-chunked'));
  const where = sf && lc ? '' : ` on ${name}`;
  if (c) {
    parts.push(
      c.always
        ? `Chunked linear is faster than tiled softmax at every length measured${where}.`
        : `Chunked linear becomes faster than tiled softmax at about ${formatTokens(Math.round(c.x))} tokens${where}.`,
    );
  } else if (sf && lc) {
    parts.push('Chunked linear does not overtake tiled softmax in the lengths measured.');
  }
  return parts;
}

export class TimingChartState {
  config = $state.raw<TimingChartConfig>({
    minTokens: 128,
    maxTokens: 131072,
    heads: 12,
    dim: 64,
    chunkSize: 'auto',
    pointBudgetMs: 2000,
  });
  /** Per chunked form, the chunk size the reader's sweep used and why (set when a sweep starts). */
  chunkAnswers = $state.raw<Partial<Record<AttentionForm, ChunkSizeAnswer>>>({});
  /** True while this GPU's chunk size is searched for, before the sweep's first point. */
  choosingChunk = $state(false);
  readonly hiddenForms = new SvelteSet<string>();
  readonly hiddenSets = new SvelteSet<Dataset>();
  showPublished = $state(false);
  /**
   * Overlay PyTorch's native kernels measured on the reference GPU: on by default, since every
   * speed comparison needs the native baseline beside it.
   */
  showTorch = $state(true);

  /** Forward passes, or training steps from the training dataset. */
  view = $state<ChartView>('forward');
  /** Training view: attention alone, or a whole pre-norm layer. */
  trainingScope = $state<TrainingScope>('attention');
  /** Training view: PyTorch's (and fla's) bf16 steps on the tensor cores. */
  showTrainingBf16 = $state(true);
  /** Training view: flash-linear-attention's Triton kernels (TF32 in fp32). */
  showFla = $state(true);

  readonly visibility: Visibility;
  /** The reader's sweep: streamed through the page's GPU scheduler, paused off screen. */
  readonly sweep: LiveSweep;
  /**
   * The training-step dataset for the training view: this build's data/training-h200.json, null
   * when the build has none (tests set a fixture).
   */
  training = $state.raw<TrainingDataset | null>(trainingData);

  constructor() {
    this.visibility = new Visibility({
      onReady: () => void pageGpu.acquire(),
    });
    this.sweep = new LiveSweep(this.visibility, 'timing chart sweep');
  }

  get liveRecords(): BenchRecord[] {
    return this.sweep.records;
  }
  get running(): boolean {
    return this.sweep.running;
  }
  /** Held between points until the widget is back on screen in a visible tab. */
  get paused(): boolean {
    return this.sweep.paused;
  }
  get progress(): { done: number; total: number } {
    return this.sweep.progress;
  }
  get message(): string | null {
    return this.sweep.message;
  }

  readonly reference = referenceData;
  readonly gpuState = $derived(pageGpu.outcome?.kind ?? 'pending');
  readonly canRun = $derived(canRequestLive() && !this.running);
  readonly referenceRecords = $derived(referenceData?.records ?? []);
  /** Whether this build's reference dataset carries PyTorch baselines (the overlay is offered). */
  readonly hasTorch = $derived((referenceData?.torch.length ?? 0) > 0);
  /**
   * Whether the native times are GPU times of CUDA-graph replays (the dataset then keeps the
   * batch launched call by call from Python as callMs beside them); false for older files.
   */
  readonly torchGraphTimed = $derived(referenceData?.torch.some((b) => b.callMs !== null) ?? false);
  readonly torchSeries = $derived(
    referenceData ? torchBaselineSeries(referenceData.torch, referenceData.machine) : [],
  );

  readonly series = $derived.by((): ChartSeries[] => {
    const out: ChartSeries[] = [];
    const sets: { set: Dataset; records: readonly BenchRecord[]; name: string }[] = [
      {
        set: 'reference',
        records: this.referenceRecords,
        name: referenceData?.label ?? 'reference',
      },
      { set: 'live', records: this.liveRecords, name: 'your GPU' },
    ];
    for (const { set, records, name } of sets) {
      if (this.hiddenSets.has(set)) continue;
      for (const form of CHARTED_FORMS) {
        if (this.hiddenForms.has(form)) continue;
        const points = okPoints(records, form);
        if (points.length === 0) continue;
        // Each dataset's chunked points carry their own chunk size (the reader's may differ).
        const chunk = findChunkSize(records, form);
        const at = chunk ? `, chunk size ${chunk}` : '';
        out.push({
          id: `${set}:${form}`,
          label: `${FORM_LABELS[form]} (${name})`,
          color: FORM_COLORS[form],
          marker: FORM_MARKERS[form] ?? 'circle',
          hollow: set === 'reference',
          ...(set === 'reference' ? { dash: '5 3' } : {}),
          points: points.map((p): ChartPoint => ({
            x: p.x,
            y: p.y,
            ...(p.lo !== undefined && p.hi !== undefined ? { lo: p.lo, hi: p.hi } : {}),
            text: `${FORM_LABELS[form]}, ${formatTokens(p.x)} tokens: ${formatDuration(p.y)} (${name}${at}${spreadText(p)})`,
          })),
        });
      }
    }
    if (this.showPublished && !this.hiddenSets.has('published')) {
      for (const s of publishedH100.series) {
        const form = PUBLISHED_FORMS[s.label];
        if (form && this.hiddenForms.has(form)) continue;
        out.push({
          id: `published:${s.label}`,
          label: `${s.label} (published H100, whole training step)`,
          color: form ? FORM_COLORS[form] : 'var(--la-published, #8d6e63)',
          dash: '1 3',
          marker: 'plus',
          hollow: true,
          points: s.points.map((p) => ({
            x: p.tokens,
            y: p.ms,
            text: `${s.label}, ${formatTokens(p.tokens)} tokens: ${formatDuration(p.ms)} per training step (published H100, whole training step, not kernel)`,
          })),
        });
      }
    }
    if (this.showTorch && !this.hiddenSets.has('torch') && referenceData) {
      out.push(
        ...torchBaselineSeries(referenceData.torch, referenceData.machine, this.hiddenForms),
      );
    }
    return out;
  });

  /**
   * Points not measured (memory, budget, error), as x marks at the top edge; marks of several forms
   * at one length sit side by side in form order instead of on top of one another.
   */
  readonly marks = $derived.by((): ChartMark[] => {
    const out: ChartMark[] = [];
    const sets: [Dataset, readonly BenchRecord[], string][] = [
      ['reference', this.referenceRecords, 'reference GPU'],
      ['live', this.liveRecords, 'your GPU'],
    ];
    for (const [set, records, name] of sets) {
      if (this.hiddenSets.has(set)) continue;
      for (const r of records) {
        if (r.status === 'ok' || this.hiddenForms.has(r.form)) continue;
        const form = r.form as AttentionForm;
        out.push({
          x: r.tokens,
          color: FORM_COLORS[form] ?? 'currentColor',
          text: `${FORM_LABELS[form] ?? r.form}, ${formatTokens(r.tokens)} tokens (${name}): ${r.status}: ${r.reason ?? 'no reason given'}`,
        });
      }
    }
    return spreadMarks(out);
  });

  /** Which dataset the crossover and guides come from: the reader's, once it has enough points. */
  readonly primary = $derived.by((): { records: readonly BenchRecord[]; name: string } => {
    const liveShared = findCrossover(
      okPoints(this.liveRecords, 'softmax-flash'),
      okPoints(this.liveRecords, 'linear-chunked'),
    );
    if (liveShared || okPoints(this.liveRecords, 'linear-chunked').length >= 3) {
      return { records: this.liveRecords, name: 'your GPU' };
    }
    return { records: this.referenceRecords, name: referenceData?.label ?? 'reference GPU' };
  });

  readonly crossover = $derived(
    findCrossover(
      okPoints(this.primary.records, 'softmax-flash'),
      okPoints(this.primary.records, 'linear-chunked'),
    ),
  );

  readonly rules = $derived.by((): ChartRule[] => {
    const c = this.crossover;
    if (!c) return [];
    // Faster already at the shortest length measured: no crossover seen, only where it starts.
    const label = c.always
      ? `faster from ${formatTokens(Math.round(c.x))}`
      : `crossover ≈ ${formatTokens(Math.round(c.x))}`;
    return [{ x: c.x, label }];
  });

  readonly xDomain = $derived.by((): [number, number] => {
    const xs = [
      ...this.series.flatMap((s) => s.points.map((p) => p.x)),
      ...this.marks.map((m) => m.x),
      this.config.minTokens,
      this.config.maxTokens,
    ];
    return logDomain(xs, 1.15, [128, 131072]);
  });
  readonly yDomain = $derived.by((): [number, number] =>
    logDomain(
      this.series.flatMap((s) => s.points.flatMap((p) => [p.y, p.lo ?? p.y, p.hi ?? p.y])),
      1.6,
      [0.01, 100],
    ),
  );

  /** Slope-2 and slope-1 guides through the largest softmax and linear points, lifted above them. */
  readonly guides = $derived.by((): ChartGuide[] => {
    const out: ChartGuide[] = [];
    const pick = (form: AttentionForm): { x: number; y: number } | undefined =>
      okPoints(this.primary.records, form).at(-1);
    const soft = pick('softmax-naive') ?? pick('softmax-flash');
    const lin = pick('linear-chunked') ?? pick('linear-recurrent');
    const g2 = soft
      ? slopeGuide(
          2,
          { x: soft.x, y: soft.y * 1.8 },
          this.xDomain,
          this.yDomain,
          'slope 2: time ∝ T²',
        )
      : null;
    const g1 = lin
      ? slopeGuide(1, { x: lin.x, y: lin.y / 1.8 }, this.xDomain, this.yDomain, 'slope 1: time ∝ T')
      : null;
    if (g2) out.push(g2);
    if (g1) out.push(g1);
    return out;
  });

  /** Rounds behind the reference points (1 when the file has no round fields). */
  readonly referenceRounds = $derived(referenceData?.rounds ?? 1);
  /** Whether any reference point carries a spread across rounds (then bars are drawn). */
  readonly hasSpread = $derived(this.referenceRecords.some((r) => r.spread));

  /** The sentence under the chart: the reference GPU, then the reader's run once it has points. */
  readonly summary = $derived.by(() => {
    const parts = describeRun(
      this.referenceRecords,
      referenceData ? `the reference GPU (${referenceData.machine})` : 'the reference GPU',
    );
    if (this.hasSpread)
      parts.push(
        `Each reference point is the median of ${this.referenceRounds} rounds; bars span the fastest to the slowest round.`,
      );
    const measured = this.liveRecords.filter((r) => r.status === 'ok').length;
    if (measured > 0) {
      const live = describeRun(this.liveRecords, 'your GPU');
      parts.push(
        ...(live.length > 0
          ? live
          : [
              `Your GPU has ${measured} point${measured === 1 ? '' : 's'} so far, too few for a slope or a crossover.`,
            ]),
      );
      parts.push(...this.chunkLines);
    }
    const skipped = this.marks.length;
    if (skipped > 0)
      parts.push(
        `${skipped} point${skipped === 1 ? ' was' : 's were'} not measured (memory or time budget); x marks show where.`,
      );
    if (parts.length === 0)
      return 'Time per forward pass against context length: no measurements to show yet.';
    return `Time per forward pass against context length, both on log scales. ${parts.join(' ')}`;
  });

  /**
   * Per chunked form the reader's sweep measured: the chunk size it ran at and why, and the
   * reference GPU's where that differs (its points are at the reference dataset's size).
   */
  readonly chunkLines = $derived.by((): string[] =>
    Object.entries(this.chunkAnswers).flatMap(([form, answer]) => {
      if (!answer || okPoints(this.liveRecords, form).length === 0) return [];
      const reference = findChunkSize(this.referenceRecords, form);
      const label = FORM_LABELS[form as AttentionForm] ?? form;
      return [describeChunkSize(answer, `On your GPU, the ${label.toLowerCase()}`, reference)];
    }),
  );

  readonly tableRows = $derived.by(() => {
    const rows: (string | number)[][] = [];
    const sets: [string, readonly BenchRecord[]][] = [
      [referenceData?.label ?? 'reference', this.referenceRecords],
      ['your GPU', this.liveRecords],
    ];
    for (const [name, records] of sets) {
      for (const r of records) {
        const label = FORM_LABELS[r.form as AttentionForm] ?? r.form;
        rows.push([
          r.chunkSize !== null ? `${label}, chunk size ${r.chunkSize}` : label,
          name,
          formatTokens(r.tokens),
          r.medianMs !== null ? formatDuration(r.medianMs) : '–',
          r.spread
            ? `${formatDuration(r.spread.minMs)} to ${formatDuration(r.spread.maxMs)} (${r.rounds ?? 1} rounds)`
            : '–',
          r.status === 'ok' ? 'measured' : `${r.status}: ${r.reason ?? ''}`,
        ]);
      }
    }
    if (this.showPublished) {
      for (const s of publishedH100.series) {
        for (const p of s.points) {
          rows.push([
            s.label,
            'published H100 (whole training step, not kernel)',
            formatTokens(p.tokens),
            formatDuration(p.ms),
            '–',
            'published',
          ]);
        }
      }
    }
    if (this.showTorch) {
      for (const s of this.torchSeries) {
        for (const p of s.points) {
          rows.push([
            TORCH_SERIES.find((t) => s.id === `torch:${t.form}`)?.label ?? s.label,
            `PyTorch on ${referenceData?.machine ?? 'the reference GPU'} (native fp32)`,
            formatTokens(p.x),
            formatDuration(p.y),
            '–',
            'measured',
          ]);
        }
      }
    }
    return rows;
  });

  readonly trainingOptions = $derived<TrainingViewOptions>({
    scope: this.trainingScope,
    showOurs: !this.hiddenSets.has('reference'),
    showTorch: this.showTorch && !this.hiddenSets.has('torch'),
    showBf16: this.showTrainingBf16,
    showFla: this.showFla,
    hiddenForms: this.hiddenForms,
  });
  /** Whether the training dataset has fla rows (the checkbox is offered). */
  readonly hasFla = $derived(this.training ? hasFlaSteps(this.training) : false);
  readonly trainingSeries = $derived(
    this.training ? trainingChartSeries(this.training, this.trainingOptions, FORM_MARKERS) : [],
  );
  readonly trainingMarks = $derived.by((): ChartMark[] =>
    this.training
      ? spreadMarks(
          trainingSkipped(this.training, this.trainingOptions).map((r) => {
            const form = r.form as AttentionForm;
            return {
              x: r.tokens,
              color: FORM_COLORS[form] ?? 'currentColor',
              text: `${FORM_LABELS[form] ?? r.form}, ${formatTokens(r.tokens)} tokens: ${r.status}: ${r.reason ?? 'no reason given'}`,
            };
          }),
        )
      : [],
  );
  readonly trainingXDomain = $derived.by((): [number, number] =>
    logDomain(
      [
        ...this.trainingSeries.flatMap((s) => s.points.map((p) => p.x)),
        ...this.trainingMarks.map((m) => m.x),
      ],
      1.15,
      [1024, 65536],
    ),
  );
  readonly trainingYDomain = $derived.by((): [number, number] =>
    logDomain(
      this.trainingSeries.flatMap((s) => s.points.flatMap((p) => [p.y, p.lo ?? p.y, p.hi ?? p.y])),
      1.6,
      [0.1, 1000],
    ),
  );
  readonly trainingSummary = $derived(
    this.training
      ? describeTraining(this.training, this.trainingOptions)
      : 'This build has no training-step data (data/training-h200.json), so the training view is empty.',
  );
  readonly trainingRows = $derived(
    this.training ? trainingTableRows(this.training, this.trainingOptions) : [],
  );

  configure(config: TimingChartConfig): void {
    // The attribute sets the overlay when it changes; the reader's checkbox wins in between.
    if ((config.showTorch ?? false) !== (this.config.showTorch ?? false)) {
      this.showTorch = config.showTorch ?? false;
    }
    // The same for the view and the training scope.
    if ((config.view ?? 'forward') !== (this.config.view ?? 'forward')) {
      this.view = config.view ?? 'forward';
    }
    if ((config.trainingScope ?? 'attention') !== (this.config.trainingScope ?? 'attention')) {
      this.trainingScope = config.trainingScope ?? 'attention';
    }
    this.config = config;
  }

  toggleForm(form: string): void {
    if (!this.hiddenForms.delete(form)) this.hiddenForms.add(form);
  }

  toggleSet(set: Dataset): void {
    if (!this.hiddenSets.delete(set)) this.hiddenSets.add(set);
  }

  /**
   * Sweeps every form on the reader's GPU; points appear as they finish. With chunk-size "auto",
   * each chunked form's size for this GPU is found first, inside the same run.
   */
  run(): Promise<void> {
    const { minTokens, maxTokens, heads, dim, chunkSize, pointBudgetMs } = this.config;
    const tokens = sweepLengths(minTokens, maxTokens);
    const chunked = CHARTED_FORMS.filter((form) => takesOption(form, 'chunkSize'));
    let sizes: Partial<Record<AttentionForm, number>> = {};
    return this.sweep.run(
      (live, signal, budgetClock) =>
        sweepAttention(live.gpu, {
          forms: CHARTED_FORMS,
          tokens,
          heads,
          dim,
          chunkSize: typeof chunkSize === 'number' ? chunkSize : undefined,
          chunkSizeByForm: sizes,
          pointBudgetMs,
          // The sweep budget counts only time spent measuring, not time paused or queued
          // (the run's budget clock, from liveSweepOptions).
          sweepBudgetMs: 180_000,
          samples: 5,
          ...liveSweepOptions(live, signal, budgetClock),
        }),
      tokens.length * CHARTED_FORMS.length,
      async (live, { signal, budgetClock, iterate }) => {
        this.chunkAnswers = {};
        const answers: Partial<Record<AttentionForm, ChunkSizeAnswer>> = {};
        try {
          for (const form of chunked) {
            answers[form] = await pageChunkSizes.resolve(live.gpu, {
              setting: chunkSize,
              form,
              dim,
              run: iterate,
              sweep: liveSweepOptions(live, signal, budgetClock),
              // One search budget shared by the chunked forms.
              budgetMs: CHUNK_SEARCH_BUDGET_MS / chunked.length,
              onSearch: () => {
                this.choosingChunk = true;
              },
            });
          }
        } finally {
          this.choosingChunk = false;
        }
        sizes = Object.fromEntries(
          Object.entries(answers).map(([form, answer]) => [form, answer.chunkSize]),
        );
        this.chunkAnswers = answers;
      },
    );
  }

  stop(): void {
    this.sweep.stop();
  }
}
