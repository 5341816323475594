/**
 * What the race knows: the chosen shape, the live result on the reader's GPU (or the reference
 * GPU's numbers without one), and the run in progress. Runs go through the page's one GPU
 * scheduler, latest wins: moving the slider cancels the run for the previous value.
 */
import type { BenchRecord } from '../../gpu/records.ts';
import { sweepAttention } from '../../gpu/sweep.ts';
import { SUPPORTED_DIMS } from '../../gpu/types.ts';
import { formatDuration, formatTokens } from '../shared/format.ts';
import { getLiveGpu, isCurrent, type LiveGpu } from '../shared/live-gpu.ts';
import { pageGpu } from '../shared/page-gpu.svelte.ts';
import { nearestPair, referenceData } from '../shared/reference-data.ts';
import { gpuScheduler, LatestJob } from '../shared/scheduler.ts';
import { Visibility } from '../shared/visibility.ts';
import {
  flopRatio,
  flopSentence,
  maxTokensFor,
  RACE_FORMS,
  speedupSentence,
  stepFromTokens,
  tokensFromStep,
} from './race-math.ts';

/** A run on the reader's GPU shorter than this may repeat while the slider is dragged. */
export const DRAG_RUN_MS = 150;

export interface RaceConfig {
  tokens: number;
  minTokens: number;
  maxTokens: number;
  heads: number;
  dim: number;
  chunkSize: number;
  autorun: boolean;
}

export interface RaceResult {
  source: 'live' | 'reference';
  tokens: number;
  heads: number;
  dim: number;
  softmax: BenchRecord;
  linear: BenchRecord;
  /** Reference only: the measured length used for the chosen one. */
  nearestOf?: number;
}

export class RaceState {
  step = $state(stepFromTokens(4096));
  heads = $state(12);
  dim = $state(64);
  chunkSize = $state(64);
  minStep = $state(stepFromTokens(128));
  /** The configured ceiling; the device may lower it (see maxStep). */
  capStep = $state(stepFromTokens(131072));
  autorun = $state(true);

  live = $state.raw<LiveGpu | null>(null);
  result = $state.raw<RaceResult | null>(null);
  running = $state(false);
  progress = $state<{ done: number; total: number }>({ done: 0, total: RACE_FORMS.length });
  /** Why the last live run failed, or null. */
  error = $state<string | null>(null);
  /** Wall-clock ms of the last completed live run (decides whether dragging runs live). */
  lastRunMs = $state<number | null>(null);

  readonly visibility: Visibility;
  #latest = new LatestJob(gpuScheduler);
  #rerunWhenVisible = false;

  constructor() {
    this.visibility = new Visibility({
      onReady: () => void this.start(),
      onActiveChange: (active) => this.#onActive(active),
    });
  }

  configure(config: RaceConfig): void {
    this.minStep = stepFromTokens(Math.max(config.minTokens, 16));
    this.capStep = Math.max(stepFromTokens(config.maxTokens), this.minStep);
    this.step = this.#clampStep(stepFromTokens(config.tokens));
    this.heads = Math.max(1, Math.round(config.heads));
    this.dim = (SUPPORTED_DIMS as readonly number[]).includes(config.dim) ? config.dim : 64;
    this.chunkSize = config.chunkSize;
    this.autorun = config.autorun;
  }

  readonly tokens = $derived(tokensFromStep(this.step));
  readonly gpuState = $derived(pageGpu.outcome?.kind ?? 'pending');
  /** The highest step the device can hold (by the cost model), within the configured cap. */
  readonly maxStep = $derived.by(() => {
    const outcome = pageGpu.outcome;
    if (outcome?.kind !== 'ready') return this.capStep;
    const max = maxTokensFor(
      outcome.device.limits,
      { heads: this.heads, dim: this.dim, chunkSize: this.chunkSize },
      tokensFromStep(this.capStep),
      tokensFromStep(this.minStep),
    );
    return Math.max(this.minStep, Math.min(this.capStep, stepFromTokens(max)));
  });
  readonly valueText = $derived(`${formatTokens(this.tokens)} tokens`);
  readonly flop = $derived(
    flopSentence(
      flopRatio({ heads: this.heads, tokens: this.tokens, dim: this.dim }, this.chunkSize),
    ),
  );
  /** The reference GPU's pair nearest the chosen length, when the shape matches the reference. */
  readonly reference = $derived.by((): RaceResult | null => {
    if (!referenceData) return null;
    const pair = nearestPair(referenceData.records, this.tokens, 'softmax-flash', 'linear-chunked');
    if (!pair) return null;
    return {
      source: 'reference',
      tokens: this.tokens,
      heads: pair.a.heads,
      dim: pair.a.dim,
      softmax: pair.a,
      linear: pair.b,
      nearestOf: pair.tokens,
    };
  });
  /**
   * What the widget shows: the live result once there is one, the reference numbers until then
   * (known results first; they stay, labelled, where there is no live run).
   */
  readonly shown = $derived(
    // A live result from a device that has since been lost is stale: show the reference again.
    this.gpuState === 'lost' ? this.reference : (this.result ?? this.reference),
  );
  readonly sentence = $derived.by(() => {
    const r = this.shown;
    if (!r?.softmax.medianMs || !r.linear.medianMs) return null;
    return speedupSentence(r.softmax.medianMs, r.linear.medianMs);
  });
  /** The live region's text: one complete sentence per finished result. */
  readonly announcement = $derived.by(() => {
    const r = this.shown;
    if (!r || !this.sentence) return '';
    // With a GPU, only live results are announced: the reference numbers shown while the first
    // run is under way would otherwise be read out and then replaced at once.
    if (r.source === 'reference' && this.gpuState !== 'unsupported' && this.gpuState !== 'lost') {
      return '';
    }
    const times = `softmax ${formatDuration(r.softmax.medianMs ?? Number.NaN)}, linear ${formatDuration(r.linear.medianMs ?? Number.NaN)}`;
    if (r.source === 'live') {
      return `At ${formatTokens(r.tokens)} tokens on your GPU, ${this.sentence} (${times}).`;
    }
    const machine = referenceData?.label ?? 'reference GPU';
    const at =
      r.nearestOf !== undefined && r.nearestOf !== r.tokens
        ? ` (nearest measured length: ${formatTokens(r.nearestOf)})`
        : '';
    return `At ${formatTokens(r.tokens)} tokens on the ${machine}${at}, ${this.sentence} (${times}).`;
  });

  setStep(step: number): void {
    this.step = this.#clampStep(step);
  }

  setShape(heads: number, dim: number): void {
    this.heads = heads;
    this.dim = dim;
    this.step = this.#clampStep(this.step);
    this.result = null;
    void this.runLive();
  }

  /** While dragging: run live only where the last run was quick. */
  onInput(step: number): void {
    this.setStep(step);
    if (this.lastRunMs !== null && this.lastRunMs < DRAG_RUN_MS) void this.runLive();
  }

  /** On release: always run. */
  onChange(step: number): void {
    this.setStep(step);
    void this.runLive();
  }

  /** Acquires the GPU once the widget is near the viewport; the first run follows if autorun. */
  async start(): Promise<void> {
    this.live = await getLiveGpu();
    if (this.live && this.autorun) await this.runLive();
  }

  /** Runs both forms at the current shape; resolves when done or replaced by a newer run. */
  async runLive(): Promise<void> {
    // The page's device may have been lost (and replaced) since; never run on a dead device.
    if (!isCurrent(this.live)) this.live = null;
    if (!this.live) {
      if (this.visibility.ready) this.live = await getLiveGpu();
      if (!this.live) return;
    }
    if (!this.visibility.active) {
      this.#rerunWhenVisible = true;
      return;
    }
    const live = this.live;
    const shape = { tokens: this.tokens, heads: this.heads, dim: this.dim };
    const chunkSize = this.chunkSize;
    this.running = true;
    this.error = null;
    this.progress = { done: 0, total: RACE_FORMS.length };
    const outcome = await this.#latest
      .run(async (signal) => {
        const started = performance.now();
        const records: BenchRecord[] = [];
        for await (const event of sweepAttention(live.gpu, {
          forms: RACE_FORMS,
          tokens: [shape.tokens],
          heads: shape.heads,
          dim: shape.dim,
          chunkSize,
          samples: 5,
          pointBudgetMs: 4000,
          sweepBudgetMs: 30_000,
          clockInfo: live.clockInfo,
          signal,
          ...(live.createAttention ? { createAttention: live.createAttention } : {}),
        })) {
          records.push(event.record);
          this.progress = event.progress;
        }
        return { records, ms: performance.now() - started };
      }, `race T=${shape.tokens}`)
      .catch((error: unknown) => {
        this.error = error instanceof Error ? error.message : String(error);
        return { status: 'cancelled' as const };
      });
    if (outcome.status === 'cancelled') {
      // A newer run replaced this one, or it failed; the newer run owns `running`.
      if (!this.#latest.active) this.running = false;
      return;
    }
    this.running = false;
    this.lastRunMs = outcome.value.ms;
    const softmax = outcome.value.records.find((r) => r.form === 'softmax-flash');
    const linear = outcome.value.records.find((r) => r.form === 'linear-chunked');
    const failed = outcome.value.records.find((r) => r.status !== 'ok');
    if (!softmax || !linear || failed) {
      this.error = failed?.reason ?? 'The run returned no result.';
      // Do not leave an earlier length's result on show as if it answered this one.
      this.result = null;
      return;
    }
    this.result = { source: 'live', ...shape, softmax, linear };
  }

  /** Stops the run in progress (off screen, or the element removed). */
  cancel(): void {
    this.#latest.cancel();
    this.running = false;
  }

  #onActive(active: boolean): void {
    if (!active && this.running) {
      this.cancel();
      this.#rerunWhenVisible = true;
    } else if (active && this.#rerunWhenVisible) {
      this.#rerunWhenVisible = false;
      void this.runLive();
    }
  }

  #clampStep(step: number): number {
    return Math.min(Math.max(Math.round(step), this.minStep), this.maxStep);
  }
}
