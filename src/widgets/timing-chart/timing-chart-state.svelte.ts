/**
 * What the timing chart knows: the reference GPU's sweep (shown at once), the reader's sweep as it
 * streams in, which series are shown, and the derived chart parts (series, skipped marks, slope
 * guides, the crossover, the summary sentence and the data table).
 */
import { SvelteSet } from 'svelte/reactivity';
import type { BenchRecord } from '../../gpu/records.ts';
import { sweepAttention } from '../../gpu/sweep.ts';
import { CHARTED_FORMS, type AttentionForm } from '../../gpu/forms/registry.ts';
import {
  findCrossover,
  logDomain,
  slopeGuide,
  type ChartGuide,
  type ChartMark,
  type ChartRule,
  type ChartSeries,
} from '../shared/chart.ts';
import { formatDuration, formatTokens } from '../shared/format.ts';
import {
  canRequestLive,
  getLiveGpu,
  isCurrent,
  noLiveRunMessage,
  type LiveGpu,
} from '../shared/live-gpu.ts';
import { pageGpu } from '../shared/page-gpu.svelte.ts';
import { FORM_COLORS, FORM_LABELS } from '../shared/palette.ts';
import { publishedH100, referenceData, type TorchBaseline } from '../shared/reference-data.ts';
import { gpuScheduler, isAbort, JobClock } from '../shared/scheduler.ts';
import { Visibility } from '../shared/visibility.ts';

export interface TimingChartConfig {
  minTokens: number;
  maxTokens: number;
  heads: number;
  dim: number;
  chunkSize: number;
  /** Time budget per point, ms. */
  pointBudgetMs: number;
  /** Show the PyTorch baselines at first; default false (the reader can still toggle them). */
  showTorch?: boolean;
}

export type Dataset = 'reference' | 'live' | 'published' | 'torch';

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

function okPoints(records: readonly BenchRecord[], form: string): { x: number; y: number }[] {
  return records
    .filter((r) => r.form === form && r.status === 'ok' && r.medianMs !== null)
    .map((r) => ({ x: r.tokens, y: r.medianMs ?? Number.NaN }))
    .sort((a, b) => a.x - b.x);
}

export class TimingChartState {
  config = $state.raw<TimingChartConfig>({
    minTokens: 128,
    maxTokens: 131072,
    heads: 12,
    dim: 64,
    chunkSize: 64,
    pointBudgetMs: 2000,
  });
  liveRecords = $state.raw<BenchRecord[]>([]);
  running = $state(false);
  /** Held between points until the widget is back on screen in a visible tab. */
  paused = $state(false);
  progress = $state({ done: 0, total: 0 });
  message = $state<string | null>(null);
  readonly hiddenForms = new SvelteSet<string>();
  readonly hiddenSets = new SvelteSet<Dataset>();
  showPublished = $state(false);
  /** Overlay PyTorch's native kernels measured on the reference GPU. */
  showTorch = $state(false);
  live = $state.raw<LiveGpu | null>(null);

  readonly visibility: Visibility;
  #controller: AbortController | null = null;

  constructor() {
    this.visibility = new Visibility({
      onReady: () => void pageGpu.acquire(),
    });
  }

  readonly reference = referenceData;
  readonly gpuState = $derived(pageGpu.outcome?.kind ?? 'pending');
  readonly canRun = $derived(canRequestLive() && !this.running);
  readonly referenceRecords = $derived(referenceData?.records ?? []);
  /** Whether this build's reference dataset carries PyTorch baselines (the overlay is offered). */
  readonly hasTorch = $derived((referenceData?.torch.length ?? 0) > 0);
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
        out.push({
          id: `${set}:${form}`,
          label: `${FORM_LABELS[form]} (${name})`,
          color: FORM_COLORS[form],
          hollow: set === 'reference',
          ...(set === 'reference' ? { dash: '5 3' } : {}),
          points: points.map((p) => ({
            ...p,
            text: `${FORM_LABELS[form]}, ${formatTokens(p.x)} tokens: ${formatDuration(p.y)} (${name})`,
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
          marker: 'diamond',
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

  /** Points not measured (memory, budget, error), as x marks at the top edge. */
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
    return out;
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
    return [{ x: c.x, label: `crossover ≈ ${formatTokens(Math.round(c.x))}` }];
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
      this.series.flatMap((s) => s.points.map((p) => p.y)),
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

  readonly summary = $derived.by(() => {
    const name = this.primary.name;
    const parts: string[] = [];
    const slope = (form: AttentionForm): string | null => {
      const s = tailSlope(okPoints(this.primary.records, form));
      return s === null ? null : s.toFixed(1);
    };
    const sf = slope('softmax-flash');
    const lc = slope('linear-chunked');
    if (sf && lc) {
      parts.push(
        `On the ${name}, tiled softmax grows with slope ${sf} on the log-log chart at its longest lengths (2 means time ∝ T²), chunked linear with slope ${lc} (1 means time ∝ T).`,
      );
    }
    const c = this.crossover;
    if (c) {
      parts.push(
        c.always
          ? `Chunked linear is faster than tiled softmax at every length measured.`
          : `Chunked linear becomes faster than tiled softmax at about ${formatTokens(Math.round(c.x))} tokens.`,
      );
    } else if (sf && lc) {
      parts.push('Chunked linear does not overtake tiled softmax in the lengths measured.');
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

  readonly tableRows = $derived.by(() => {
    const rows: (string | number)[][] = [];
    const sets: [string, readonly BenchRecord[]][] = [
      [referenceData?.label ?? 'reference', this.referenceRecords],
      ['your GPU', this.liveRecords],
    ];
    for (const [name, records] of sets) {
      for (const r of records) {
        rows.push([
          FORM_LABELS[r.form as AttentionForm] ?? r.form,
          name,
          formatTokens(r.tokens),
          r.medianMs !== null ? formatDuration(r.medianMs) : '–',
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
            'measured',
          ]);
        }
      }
    }
    return rows;
  });

  configure(config: TimingChartConfig): void {
    // The attribute sets the overlay when it changes; the reader's checkbox wins in between.
    if ((config.showTorch ?? false) !== (this.config.showTorch ?? false)) {
      this.showTorch = config.showTorch ?? false;
    }
    this.config = config;
  }

  toggleForm(form: string): void {
    if (!this.hiddenForms.delete(form)) this.hiddenForms.add(form);
  }

  toggleSet(set: Dataset): void {
    if (!this.hiddenSets.delete(set)) this.hiddenSets.add(set);
  }

  /** Sweeps every form on the reader's GPU; points appear as they finish. */
  async run(): Promise<void> {
    if (this.running) return;
    // The page's device may have been lost since it was acquired; never run on a dead device.
    // After a loss, getLiveGpu requests a new device; never run on a dead one.
    if (!isCurrent(this.live)) this.live = await getLiveGpu();
    const live = this.live;
    if (!live) {
      this.message = noLiveRunMessage();
      return;
    }
    const controller = new AbortController();
    this.#controller = controller;
    const { minTokens, maxTokens, heads, dim, chunkSize, pointBudgetMs } = this.config;
    const tokens = sweepLengths(minTokens, maxTokens);
    this.liveRecords = [];
    this.running = true;
    this.message = null;
    this.progress = { done: 0, total: tokens.length * CHARTED_FORMS.length };
    // The sweep budget counts only time spent measuring, not time paused off screen or queued.
    const clock = new JobClock();
    const sweep = sweepAttention(live.gpu, {
      forms: CHARTED_FORMS,
      tokens,
      heads,
      dim,
      chunkSize,
      pointBudgetMs,
      sweepBudgetMs: 180_000,
      budgetClock: () => clock.now(),
      samples: 5,
      clockInfo: live.clockInfo,
      signal: controller.signal,
      ...(live.createAttention ? { createAttention: live.createAttention } : {}),
    });
    try {
      for await (const event of gpuScheduler.iterate(sweep, {
        signal: controller.signal,
        label: 'timing chart sweep',
        clock,
        gate: async (signal) => {
          this.paused = !this.visibility.active;
          await this.visibility.whenActive(signal);
          this.paused = false;
        },
      })) {
        this.liveRecords = [...this.liveRecords, event.record];
        this.progress = event.progress;
      }
      this.message = `Done: ${this.liveRecords.filter((r) => r.status === 'ok').length} points measured.`;
    } catch (error) {
      if (controller.signal.aborted || isAbort(error)) {
        this.message = `Stopped after ${this.progress.done} of ${this.progress.total} points.`;
      } else {
        this.message = `The sweep failed: ${error instanceof Error ? error.message : String(error)}`;
      }
    } finally {
      this.running = false;
      this.paused = false;
      if (this.#controller === controller) this.#controller = null;
    }
  }

  stop(): void {
    this.#controller?.abort(new DOMException('Stopped by the reader.', 'AbortError'));
  }
}
