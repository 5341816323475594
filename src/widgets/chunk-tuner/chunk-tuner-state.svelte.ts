/**
 * What the chunk tuner knows: linear-chunked's time for each chunk size at one context length,
 * from the reference GPU and (on request) the reader's GPU, and the cost model's view of the same.
 */
import { estimateCost } from '../../gpu/costs.ts';
import type { BenchRecord } from '../../gpu/records.ts';
import { searchChunkSize } from '../../gpu/sweep/plans.ts';
import { pickFastest } from '../../gpu/sweep/runner.ts';
import { CHUNK_SIZES } from '../../gpu/types.ts';
import { spreadBar, type ChartRule, type ChartSeries } from '../shared/chart.ts';
import { LiveSweep } from '../shared/chart-sweep.svelte.ts';
import { pageChunkSizes, shareableChunkSize } from '../shared/chunk-size.ts';
import { liveSweepOptions, type LiveGpu } from '../shared/live-gpu.ts';
import { formatDuration, formatTokens } from '../shared/format.ts';
import { pageGpu } from '../shared/page-gpu.svelte.ts';
import { FORM_COLORS } from '../shared/palette.ts';
import { referenceData } from '../shared/reference-data.ts';
import { Visibility } from '../shared/visibility.ts';

export interface ChunkTunerConfig {
  tokens: number;
  heads: number;
  dim: number;
}

/** The cost model's FLOPs for each chunk size at a shape. */
export function modelFlops(
  shape: { heads: number; tokens: number; dim: number },
  sizes: readonly number[],
): { c: number; flops: number }[] {
  return sizes.map((c) => ({
    c,
    flops: estimateCost('linear-chunked', shape, { chunkSize: c }).flops,
  }));
}

/**
 * The model's curve in ms: FLOPs scaled by one factor, the geometric mean of measured ms / FLOPs,
 * so that its shape (not its height) is what compares with the measurements.
 */
export function scaleModel(
  model: readonly { c: number; flops: number }[],
  measured: readonly { c: number; ms: number }[],
): { c: number; ms: number }[] {
  const ratios = measured
    .map((m) => {
      const f = model.find((x) => x.c === m.c)?.flops;
      return f ? Math.log(m.ms / f) : Number.NaN;
    })
    .filter(Number.isFinite);
  if (ratios.length === 0) return [];
  const k = Math.exp(ratios.reduce((a, b) => a + b, 0) / ratios.length);
  return model.map((x) => ({ c: x.c, ms: x.flops * k }));
}

/** A context length the tuner can run: a whole number of tokens from 1 up, else null. */
export function validTokens(tokens: unknown): number | null {
  return typeof tokens === 'number' && Number.isInteger(tokens) && tokens >= 1 ? tokens : null;
}

/** The lengths the selector offers: the usual powers of two, plus the configured one if valid. */
export const TUNER_LENGTHS: readonly number[] = [
  256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536,
];
export function selectorLengths(current: unknown): number[] {
  const t = validTokens(current);
  return t === null || TUNER_LENGTHS.includes(t)
    ? [...TUNER_LENGTHS]
    : [...TUNER_LENGTHS, t].sort((a, b) => a - b);
}

function points(
  records: readonly BenchRecord[],
): { c: number; ms: number; lo?: number; hi?: number }[] {
  return records
    .filter((r) => r.status === 'ok' && r.chunkSize !== null && r.medianMs !== null)
    .map((r) => ({
      c: r.chunkSize ?? 0,
      ms: r.medianMs ?? 0,
      ...spreadBar(r.spread),
    }))
    .sort((a, b) => a.c - b.c);
}

export class ChunkTunerState {
  config = $state.raw<ChunkTunerConfig>({ tokens: 4096, heads: 12, dim: 64 });
  readonly visibility = new Visibility({ onReady: () => void pageGpu.acquire() });
  readonly sweep = new LiveSweep(this.visibility, 'chunk search');
  readonly reference = referenceData;
  readonly gpuState = $derived(pageGpu.outcome?.kind ?? 'pending');
  /**
   * What the last live search did for the other widgets: the size it handed them, or why it
   * handed none; null before a live search finished.
   */
  shared = $state.raw<{ chunkSize: number } | { reason: string } | null>(null);

  readonly refPoints = $derived(points(referenceData?.chunkSearch ?? []));
  readonly livePoints = $derived(points(this.sweep.records));
  /** The reference curve's shape and machine: its T is usually not the selector's. */
  readonly refShape = $derived.by(() => {
    const r = referenceData?.chunkSearch[0];
    return r ? { tokens: r.tokens, heads: r.heads, dim: r.dim } : null;
  });
  /** The shape the reader's curve was measured at (the selector may have moved since). */
  readonly liveShape = $derived.by(() => {
    const r = this.sweep.records[0];
    return r ? { tokens: r.tokens, heads: r.heads, dim: r.dim } : this.config;
  });
  /** "NVIDIA H200 at T = 16,384", "your GPU at T = 4,096": every curve says its T and machine. */
  readonly refName = $derived(
    `${referenceData?.machine ?? 'the reference GPU'} at T = ${formatTokens(this.refShape?.tokens ?? 0)}`,
  );
  readonly liveName = $derived(`your GPU at T = ${formatTokens(this.liveShape.tokens)}`);
  /** Whether the two curves (or the selector and the reference curve) are at different T. */
  readonly differentLengths = $derived(
    this.refShape !== null &&
      this.refShape.tokens !==
        (this.livePoints.length > 0 ? this.liveShape.tokens : this.config.tokens),
  );
  /** The measurements the model is scaled to and the best c is read from: the reader's once there. */
  readonly primary = $derived(this.livePoints.length > 0 ? 'live' : 'reference');
  readonly primaryShape = $derived.by(() =>
    this.primary === 'live' ? this.liveShape : (this.refShape ?? this.config),
  );
  readonly model = $derived(
    scaleModel(
      modelFlops(this.primaryShape, CHUNK_SIZES),
      this.primary === 'live' ? this.livePoints : this.refPoints,
    ),
  );
  readonly best = $derived(
    pickFastest(this.primary === 'live' ? this.sweep.records : (referenceData?.chunkSearch ?? [])),
  );
  readonly modelBest = $derived.by(() => {
    const m = modelFlops(this.primaryShape, CHUNK_SIZES);
    return m.reduce((a, b) => (b.flops < a.flops ? b : a), m[0] ?? { c: 64, flops: 0 }).c;
  });

  readonly series = $derived.by((): ChartSeries[] => {
    const out: ChartSeries[] = [];
    const name = this.refName;
    if (this.refPoints.length > 0) {
      out.push({
        id: 'reference',
        label: name,
        color: FORM_COLORS['linear-chunked'],
        hollow: true,
        dash: '5 3',
        points: this.refPoints.map((p) => ({
          x: p.c,
          y: p.ms,
          ...(p.lo !== undefined && p.hi !== undefined ? { lo: p.lo, hi: p.hi } : {}),
          text: `c = ${p.c}: ${formatDuration(p.ms)} (${name})`,
        })),
      });
    }
    if (this.livePoints.length > 0) {
      out.push({
        id: 'live',
        label: this.liveName,
        color: FORM_COLORS['linear-chunked'],
        points: this.livePoints.map((p) => ({
          x: p.c,
          y: p.ms,
          text: `c = ${p.c}: ${formatDuration(p.ms)} (${this.liveName})`,
        })),
      });
    }
    if (this.model.length > 0) {
      out.push({
        id: 'model',
        label: 'FLOP count (scaled)',
        color: 'var(--la-fg-muted, #5b5b63)',
        dash: '2 3',
        marker: 'square',
        hollow: true,
        points: this.model.map((p) => ({
          x: p.c,
          y: p.ms,
          text: `c = ${p.c}: the FLOP count at T = ${formatTokens(this.primaryShape.tokens)}, scaled to the measurements, gives ${formatDuration(p.ms)}`,
        })),
      });
    }
    return out;
  });

  readonly rules = $derived.by((): ChartRule[] =>
    this.best?.chunkSize
      ? [{ x: this.best.chunkSize, label: `fastest: c = ${this.best.chunkSize}` }]
      : [],
  );

  readonly summary = $derived.by(() => {
    const best = this.best;
    const where =
      this.primary === 'live'
        ? 'your GPU'
        : `the reference GPU (${referenceData?.machine ?? 'unknown'})`;
    const shape = this.primaryShape;
    if (!best?.chunkSize)
      return 'Chunked linear attention against chunk size: no measurements to show yet.';
    const shared = this.shared;
    const handed =
      this.primary !== 'live' || !shared
        ? ''
        : 'chunkSize' in shared
          ? ` Other widgets on this page now run chunked linear attention (ungated) at c = ${shared.chunkSize} on this GPU (d = ${shape.dim}), and this browser keeps it for later visits.`
          : ` ${shared.reason}`;
    return `Chunked linear attention at T = ${formatTokens(shape.tokens)}, H = ${shape.heads}, d = ${shape.dim} on ${where}: fastest at chunk size ${best.chunkSize} (${formatDuration(best.medianMs ?? Number.NaN)}). The FLOP count alone favours c = ${this.modelBest}; ${best.chunkSize === this.modelBest ? 'here the two agree' : 'the difference is what the FLOP count leaves out: how well each chunk size keeps the GPU busy'}.${handed}`;
  });

  /** Rounds behind the reference curve, when its points carry a spread across rounds. */
  readonly refRounds = $derived(
    referenceData?.chunkSearch.some((r) => r.spread)
      ? Math.max(...referenceData.chunkSearch.map((r) => r.rounds))
      : null,
  );

  readonly tableRows = $derived([
    ...this.refPoints.map((p) => [this.refName, p.c, formatDuration(p.ms)]),
    ...this.livePoints.map((p) => [this.liveName, p.c, formatDuration(p.ms)]),
    ...this.model.map((p) => [
      `FLOP count at T = ${formatTokens(this.primaryShape.tokens)} (scaled)`,
      p.c,
      formatDuration(p.ms),
    ]),
  ]);

  /** Takes the element's configuration; a length that is not a whole number keeps the last one. */
  configure(config: ChunkTunerConfig): void {
    this.config = { ...config, tokens: validTokens(config.tokens) ?? this.config.tokens };
  }

  /** Chooses the context length of the next run (ignored unless a whole number of tokens). */
  setTokens(tokens: number): void {
    const t = validTokens(tokens);
    if (t !== null) this.config = { ...this.config, tokens: t };
  }

  async run(): Promise<void> {
    const { tokens, heads, dim } = this.config;
    const ran: { live?: LiveGpu } = {};
    this.shared = null;
    await this.sweep.run((gpu, signal, budgetClock) => {
      ran.live = gpu;
      return searchChunkSize(gpu.gpu, {
        tokens,
        heads,
        dim,
        samples: 5,
        pointBudgetMs: 3000,
        sweepBudgetMs: 60_000,
        ...liveSweepOptions(gpu, signal, budgetClock),
      });
    }, CHUNK_SIZES.length);
    if (ran.live) this.#share(ran.live, { tokens, heads, dim });
  }

  /**
   * Hands the live search's answer to the other widgets on the page (shared/chunk-size.ts) when
   * it may be (shareableChunkSize: every candidate timed at 4,096 tokens or more), or says why not.
   */
  #share(live: LiveGpu, shape: ChunkTunerConfig): void {
    const records = this.sweep.records;
    if (!pickFastest(records)) return;
    const shared = shareableChunkSize(records, shape.tokens);
    if ('chunkSize' in shared) {
      pageChunkSizes.remember(
        live.gpu,
        { form: 'linear-chunked', dim: shape.dim },
        shared.chunkSize,
        {
          tokens: shape.tokens,
          heads: shape.heads,
          measured: records.map((r) => r.chunkSize ?? 0),
        },
      );
    }
    this.shared = shared;
  }
}
