/**
 * What the race knows: the chosen shape, what the reader's GPU measured (per shape and length, kept
 * for the page's life), the reference GPU's numbers, and the run in progress.
 *
 * A live run fits the device: a short pilot first (PILOT_TOKENS), then longer lengths toward the
 * slider's value while RACE_BUDGET_MS lasts, each predicted from the last by the FLOP model
 * (race-math.ts). The first live result comes within seconds on any adapter; where the slider's
 * length would take too long, the widget says so in plain words and shows the longest length it
 * measured. A timer aborts a step when the budget is spent, so a run overshoots it by at most the
 * GPU submission in flight (itself bounded by MAX_DISPATCH_MS). Runs go through the page's one GPU
 * scheduler, one job per step; a newer run (slider moved, shape changed) cancels the older one.
 */
import { DeviceLostError } from '../../gpu/errors.ts';
import type { BenchRecord } from '../../gpu/records.ts';
import type { AttentionForm } from '../../gpu/forms/registry.ts';
import { sweepAttention } from '../../gpu/sweep/plans.ts';
import { takesOption } from '../../gpu/forms/registry.ts';
import { DEFAULT_CHUNK_SIZE, SUPPORTED_DIMS } from '../../gpu/types.ts';
import {
  CHUNK_SEARCH_BUDGET_MS,
  describeChunkSize,
  pageChunkSizes,
  type ChunkSizeAnswer,
  type ChunkSizeSetting,
} from '../shared/chunk-size.ts';
import { formatDuration, formatTokens } from '../shared/format.ts';
import { getLiveGpu, isCurrent, liveSweepOptions, type LiveGpu } from '../shared/live-gpu.ts';
import { pageGpu } from '../shared/page-gpu.svelte.ts';
import { referenceData } from '../shared/reference-data.ts';
import { gpuScheduler, JobClock } from '../shared/scheduler.ts';
import { measureWork } from '../../gpu/timing.ts';
import { Visibility } from '../shared/visibility.ts';
import {
  compareSentence,
  DEFAULT_RACE_FORMS,
  flopRatio,
  formFlops,
  flopSentence,
  linearName,
  MAX_DISPATCH_MS,
  maxTokensFor,
  PILOT_TOKENS,
  RACE_WARMUP_RUNS,
  planNextLength,
  predictLongestRunMs,
  predictStepMs,
  RACE_BUDGET_MS,
  RACE_LINEAR_FORMS,
  RACE_SOFTMAX_FORMS,
  raceForms,
  referenceComparison,
  referencePoint,
  roughDuration,
  softmaxName,
  stepFromTokens,
  tokensFromStep,
  type Observations,
  type RaceForms,
  type RaceShape,
  type ReferencePoint,
} from './race-math.ts';

/** A run on the reader's GPU shorter than this may repeat while the slider is dragged. */
export const DRAG_RUN_MS = 150;

/** Everything an embedder (or an attribute) can set; `configure` takes any subset. */
export interface RaceOptions {
  tokens: number;
  minTokens: number;
  maxTokens: number;
  heads: number;
  dim: number;
  /**
   * The linear form's chunk size, or "auto": this GPU's own (shared/chunk-size.ts), found before
   * the first live measurement.
   */
  chunkSize: ChunkSizeSetting;
  /** The softmax form raced (one of RACE_SOFTMAX_FORMS). */
  softmaxForm: AttentionForm;
  /** The linear form raced (one of RACE_LINEAR_FORMS). */
  linearForm: AttentionForm;
  autorun: boolean;
}

/** The name the element wrapper used before `RaceOptions`. */
export type RaceConfig = RaceOptions;

/** Both forms measured on the reader's GPU at one shape and length. */
export interface LiveResult {
  tokens: number;
  heads: number;
  dim: number;
  chunkSize: number;
  forms: RaceForms;
  softmax: BenchRecord;
  linear: BenchRecord;
}

/** Where the slider's length could not be reached: what was shown instead, and why. */
export interface Reduced {
  result: LiveResult;
  /** Predicted ms to time both forms at the slider's length; null when unknown. */
  fullMs: number | null;
  /** Whether a single run at the slider's length would exceed one bounded submission. */
  tooLongForOneRun: boolean;
}

/** Why a step stopped: the run's time was spent (not a cancellation, not a failure). */
class BudgetSpent extends Error {
  constructor() {
    super('The live run used the time it is allowed.');
    this.name = 'BudgetSpent';
  }
}

/** Per device, the (d, chunk size) pairs whose kernels are compiled (see RaceState.#prepare). */
const prepared = new WeakMap<GPUDevice, string[]>();

/** What the race has measured on each device, kept for the page's life. */
const memory = new WeakMap<GPUDevice, LiveResult[]>();

function resultsOn(device: GPUDevice): LiveResult[] {
  let results = memory.get(device);
  if (!results) memory.set(device, (results = []));
  return results;
}

/** Whether a result raced the same two forms as `shape`. */
function sameForms(r: LiveResult, shape: RaceShape): boolean {
  const forms = shape.forms ?? DEFAULT_RACE_FORMS;
  return r.forms.softmax === forms.softmax && r.forms.linear === forms.linear;
}

/** Results that can stand for `shape` (same forms, d and chunk size, at most its heads). */
function comparable(results: readonly LiveResult[], shape: RaceShape): LiveResult[] {
  return results.filter(
    (r) =>
      sameForms(r, shape) &&
      r.dim === shape.dim &&
      r.chunkSize === shape.chunkSize &&
      r.heads <= shape.heads,
  );
}

/** The result with the most work (FLOPs of tiled softmax at its shape), among those given. */
function largest(results: readonly LiveResult[]): LiveResult | null {
  let best: LiveResult | null = null;
  let bestFlops = -1;
  for (const r of results) {
    const flops = formFlops(DEFAULT_RACE_FORMS.softmax, r, r.tokens);
    if (flops > bestFlops) [best, bestFlops] = [r, flops];
  }
  return best;
}

/** Per form, what predictions start from: the largest result comparable with `shape`. */
function observationsOf(results: readonly LiveResult[], shape: RaceShape): Observations {
  const r = largest(comparable(results, shape));
  if (!r?.softmax.medianMs || !r.linear.medianMs) return {};
  return {
    [r.forms.softmax]: { tokens: r.tokens, heads: r.heads, ms: r.softmax.medianMs },
    [r.forms.linear]: { tokens: r.tokens, heads: r.heads, ms: r.linear.medianMs },
  };
}

/** Whether `r` was measured at exactly `shape` (forms, heads, d and chunk size) and `tokens`. */
export function measuredAt(r: LiveResult, shape: RaceShape, tokens: number): boolean {
  return (
    r.tokens === tokens &&
    sameForms(r, shape) &&
    r.heads === shape.heads &&
    r.dim === shape.dim &&
    r.chunkSize === shape.chunkSize
  );
}

/** The exact shape and length, or null. */
function exactly(results: readonly LiveResult[], shape: RaceShape, tokens: number) {
  return results.find((r) => measuredAt(r, shape, tokens)) ?? null;
}

/** The longest length measured at the full shape, at most `target`; 0 for none. */
function measuredUpTo(results: readonly LiveResult[], shape: RaceShape, target: number): number {
  let best = 0;
  for (const r of comparable(results, shape)) {
    if (r.heads === shape.heads && r.tokens <= target) best = Math.max(best, r.tokens);
  }
  return best;
}

/** "4,096 tokens", or "128 tokens with 1 head" where the heads differ from `otherHeads`. */
export function describeShape(tokens: number, heads: number, otherHeads: number): string {
  const t = `${formatTokens(tokens)} tokens`;
  return heads === otherHeads ? t : `${t} with ${heads} head${heads === 1 ? '' : 's'}`;
}

export class RaceState {
  step = $state(stepFromTokens(4096));
  heads = $state(12);
  dim = $state(64);
  /** The chunk size setting: a size from the page, or "auto". */
  chunkSetting = $state<ChunkSizeSetting>('auto');
  /** The chunk size live runs use now (the setting, or this GPU's answer once found). */
  chunkSize = $state(DEFAULT_CHUNK_SIZE);
  /** Which chunk size the last live run used and why; null before one (or for unchunked forms). */
  chunkAnswer = $state.raw<ChunkSizeAnswer | null>(null);
  /** True while this GPU's chunk size is being searched for, before anything is raced. */
  choosingChunk = $state(false);
  /** The two forms raced (the widget's form choice, or the attributes). */
  forms = $state.raw<RaceForms>({ ...DEFAULT_RACE_FORMS });
  minStep = $state(stepFromTokens(128));
  /** The configured ceiling; the device may lower it (see maxStep). */
  capStep = $state(stepFromTokens(131072));
  autorun = $state(true);

  live = $state.raw<LiveGpu | null>(null);
  running = $state(false);
  /** True while the kernels are compiled for this device, before anything is timed. */
  preparing = $state(false);
  /** The length being measured now (during refinement it may be shorter than the slider's). */
  measuringTokens = $state<number | null>(null);
  measuringHeads = $state(12);
  progress = $state<{ done: number; total: number }>({ done: 0, total: 2 });
  /**
   * A plain sentence when the last live run failed, or null. The engine's own message goes to the
   * console, never on screen.
   */
  failure = $state<string | null>(null);
  /** Wall-clock ms of the last completed live step (decides whether dragging runs live). */
  lastRunMs = $state<number | null>(null);

  readonly visibility: Visibility;
  /** Bumped whenever a result is stored, so the derived views re-read `memory`. */
  #stored = $state(0);
  /** Lengths measured by the run in progress (a run shows only its own intermediate results). */
  #thisRun = $state.raw<readonly LiveResult[]>([]);
  #run: AbortController | null = null;
  #rerunWhenVisible = false;
  #started = false;
  /** The next run goes straight to the slider's length with this budget (the reader asked). */
  #directBudgetMs: number | null = null;

  constructor() {
    this.visibility = new Visibility({
      onReady: () => void this.start(),
      onActiveChange: (active) => this.#onActive(active),
    });
    // A new device after a loss: measure again on it (off screen, this waits until visible).
    pageGpu.onRecovered(() => {
      if (this.autorun && this.visibility.ready) void this.runLive();
    });
  }

  /**
   * The one entry point for settings (element attributes, the widget's controls): takes any
   * subset, clamps what is out of range, and re-runs when the shape or length changed after the
   * first run. Values are expected already validated; non-finite ones are ignored here.
   */
  configure(options: Partial<RaceOptions>): void {
    const before = {
      step: this.step,
      heads: this.heads,
      dim: this.dim,
      chunk: this.chunkSetting,
      forms: this.forms,
    };
    const finite = (x: number | undefined): x is number => x !== undefined && Number.isFinite(x);
    if (finite(options.minTokens)) this.minStep = stepFromTokens(Math.max(options.minTokens, 16));
    if (finite(options.maxTokens)) {
      this.capStep = Math.max(stepFromTokens(options.maxTokens), this.minStep);
    }
    if (finite(options.heads)) this.heads = Math.max(1, Math.round(options.heads));
    if (finite(options.dim) && (SUPPORTED_DIMS as readonly number[]).includes(options.dim)) {
      this.dim = options.dim;
    }
    if (options.chunkSize === 'auto') this.chunkSetting = 'auto';
    else if (finite(options.chunkSize)) {
      this.chunkSetting = options.chunkSize;
      this.chunkSize = options.chunkSize;
    }
    // Forms outside the offered lists are ignored (the attribute layer has said why).
    const softmax = options.softmaxForm;
    const linear = options.linearForm;
    if (softmax !== undefined && RACE_SOFTMAX_FORMS.includes(softmax)) {
      if (softmax !== this.forms.softmax) this.forms = { ...this.forms, softmax };
    }
    if (linear !== undefined && RACE_LINEAR_FORMS.includes(linear)) {
      if (linear !== this.forms.linear) this.forms = { ...this.forms, linear };
    }
    if (options.autorun !== undefined) this.autorun = options.autorun;
    this.step = this.#clampStep(
      finite(options.tokens) ? stepFromTokens(options.tokens) : this.step,
    );
    const changed =
      before.step !== this.step ||
      before.heads !== this.heads ||
      before.dim !== this.dim ||
      before.chunk !== this.chunkSetting ||
      before.forms !== this.forms;
    if (changed && this.#started) void this.runLive();
  }

  readonly tokens = $derived(tokensFromStep(this.step));
  readonly shape = $derived<RaceShape>({
    heads: this.heads,
    dim: this.dim,
    chunkSize: this.chunkSize,
    forms: this.forms,
  });
  /** How sentences name the two forms: "our tiled softmax", "gated linear". */
  readonly names = $derived({
    softmax: softmaxName(this.forms.softmax),
    linear: linearName(this.forms.linear),
  });
  readonly gpuState = $derived(pageGpu.outcome?.kind ?? 'pending');
  /** The device live results belong to; null without a working one. */
  readonly device = $derived(pageGpu.outcome?.kind === 'ready' ? pageGpu.outcome.device : null);
  /** The highest step the device can hold (by the cost model), within the configured cap. */
  readonly maxStep = $derived.by(() => {
    const outcome = pageGpu.outcome;
    if (outcome?.kind !== 'ready') return this.capStep;
    const max = maxTokensFor(
      outcome.device.limits,
      this.shape,
      tokensFromStep(this.capStep),
      tokensFromStep(this.minStep),
    );
    return Math.max(this.minStep, Math.min(this.capStep, stepFromTokens(max)));
  });
  readonly valueText = $derived(`${formatTokens(this.tokens)} tokens`);
  readonly flop = $derived(
    flopSentence(
      flopRatio(
        { heads: this.heads, tokens: this.tokens, dim: this.dim },
        this.chunkSize,
        this.forms,
      ),
      this.names.linear,
    ),
  );

  /** Everything this device measured (re-read whenever a result is stored). */
  readonly #results = $derived.by((): readonly LiveResult[] | null => {
    void this.#stored;
    return this.device ? [...resultsOn(this.device)] : null;
  });
  /** The reader's GPU at exactly the slider's length and shape, or null. */
  readonly liveResult = $derived(
    this.#results ? exactly(this.#results, this.shape, this.tokens) : null,
  );
  /**
   * Where the slider's length is not (yet) measured: the largest shorter (or fewer-head) result,
   * shown labelled with its own shape. While a run is under way only that run's results qualify,
   * so a length from before never appears as if it answered this one.
   */
  readonly reduced = $derived.by((): Reduced | null => {
    const results = this.#results;
    if (!results || this.liveResult) return null;
    const candidates = comparable(results, this.shape).filter(
      (r) => r.tokens <= this.tokens && (!this.running || this.#thisRun.includes(r)),
    );
    const result = largest(candidates);
    if (!result) return null;
    const seen = observationsOf(results, this.shape);
    const longest = predictLongestRunMs(this.shape, seen, this.tokens);
    return {
      result,
      fullMs: predictStepMs(this.shape, seen, this.tokens),
      tooLongForOneRun: longest !== null && longest > MAX_DISPATCH_MS,
    };
  });

  /** The reference GPU at (or nearest to) the slider's length, with PyTorch's fused attention. */
  readonly reference = $derived.by((): ReferencePoint | null =>
    referenceData
      ? referencePoint(referenceData.records, referenceData.torch, this.tokens, this.forms)
      : null,
  );
  /** "NVIDIA H200", or the placeholder's label. */
  readonly referenceName = $derived(
    referenceData
      ? referenceData.placeholder
        ? `${referenceData.machine}, placeholder data`
        : referenceData.machine
      : 'reference GPU',
  );

  /**
   * The headline: always about the slider's length, and says whose GPU. The reader's GPU once it
   * has measured that length; the reference GPU's numbers otherwise.
   */
  readonly verdict = $derived.by((): { whose: 'yours' | 'reference'; text: string } | null => {
    const at = `At ${formatTokens(this.tokens)} tokens`;
    const live = this.liveResult;
    if (live?.softmax.medianMs && live.linear.medianMs) {
      const ours = compareSentence(
        live.softmax.medianMs,
        live.linear.medianMs,
        this.names.softmax,
        this.names.linear,
      );
      return { whose: 'yours', text: `${at} on your GPU: ${ours}.` };
    }
    const ref = this.reference;
    if (!ref) return null;
    const other = ref.heads !== this.heads || ref.dim !== this.dim;
    const machine = `the reference GPU (${this.referenceName}${other ? `, H = ${ref.heads}, d = ${ref.dim}` : ''})`;
    if (ref.tokens === this.tokens) {
      return { whose: 'reference', text: `${at} on ${machine}: ${referenceComparison(ref)}.` };
    }
    return {
      whose: 'reference',
      text: `${at}: not measured on ${machine}; at ${formatTokens(ref.tokens)} tokens, the nearest length it measured, ${referenceComparison(ref)}.`,
    };
  });

  /** After a live verdict: the reference GPU's comparison at the same length, beside it. */
  readonly referenceLine = $derived.by((): string | null => {
    const ref = this.reference;
    if (this.verdict?.whose !== 'yours' || !ref) return null;
    const at =
      ref.tokens === this.tokens
        ? ''
        : ` at ${formatTokens(ref.tokens)} tokens, the nearest length it measured`;
    const other =
      ref.heads !== this.heads || ref.dim !== this.dim ? `, H = ${ref.heads}, d = ${ref.dim}` : '';
    return `On the reference GPU (${this.referenceName}${other})${at}: ${referenceComparison(ref)}.`;
  });

  /** Plain words for a reduced result: what was measured instead, and why. */
  readonly reducedLine = $derived.by((): string | null => {
    const r = this.reduced;
    if (!r) return null;
    const { result } = r;
    const ours = compareSentence(
      result.softmax.medianMs ?? Number.NaN,
      result.linear.medianMs ?? Number.NaN,
      this.names.softmax,
      this.names.linear,
    );
    const what = describeShape(result.tokens, result.heads, this.heads);
    const head = `Your GPU at ${what}: ${ours}.`;
    if (this.running) return head;
    const full = describeShape(this.tokens, this.heads, result.heads);
    const why =
      r.fullMs === null
        ? ''
        : ` Timing both forms at ${full} would take it ${roughDuration(r.fullMs)}, so it shows ${what} instead.`;
    return head + why;
  });

  /** Whether to offer timing the slider's length anyway (slow, but the reader may wait). */
  readonly canMeasureAnyway = $derived(
    !this.running && this.reduced !== null && !this.reduced.tooLongForOneRun,
  );

  /** The live region's text: the finished verdict and what stands beside it, as sentences. */
  readonly announcement = $derived.by(() => {
    if (this.running || !this.verdict) return '';
    // With a GPU that is still starting, stay quiet: the reference numbers would be read out and
    // replaced at once.
    if (this.verdict.whose === 'reference' && this.gpuState === 'pending') return '';
    const parts = [this.verdict.text];
    const live = this.liveResult;
    if (live) {
      parts.push(
        `(softmax ${formatDuration(live.softmax.medianMs ?? Number.NaN)}, ${this.names.linear} ${formatDuration(live.linear.medianMs ?? Number.NaN)})`,
      );
    }
    if (this.referenceLine) parts.push(this.referenceLine);
    if (this.reducedLine) parts.push(this.reducedLine);
    if (this.chunkLine) parts.push(this.chunkLine);
    return parts.join(' ');
  });

  /**
   * Which chunk size the linear form ran at on the reader's GPU and why, once a live result is
   * shown; says the reference GPU's size where it differs, so its bars never read as measured at
   * the live size.
   */
  readonly chunkLine = $derived.by((): string | null => {
    const answer = this.chunkAnswer;
    if (!answer || (!this.liveResult && !this.reduced)) return null;
    const name = this.names.linear;
    return describeChunkSize(
      answer,
      `On your GPU, ${name} attention`,
      this.reference?.linear.chunkSize ?? null,
    );
  });

  setStep(step: number): void {
    this.step = this.#clampStep(step);
  }

  /** The widget's selects. */
  setShape(heads: number, dim: number): void {
    this.configure({ heads, dim });
    if (!this.#started) void this.runLive();
  }

  /** The widget's form choice: the softmax and linear forms to race. */
  setForms(forms: Partial<RaceForms>): void {
    this.configure({
      ...(forms.softmax ? { softmaxForm: forms.softmax } : {}),
      ...(forms.linear ? { linearForm: forms.linear } : {}),
    });
    if (!this.#started) void this.runLive();
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

  /** The reader asked to time the slider's length whatever it costs (offered when it is bounded). */
  measureAnyway(): void {
    const full = this.reduced?.fullMs;
    if (full === null || full === undefined) return;
    this.#directBudgetMs = Math.max(RACE_BUDGET_MS, 2 * full + 5000);
    void this.runLive();
  }

  /** Acquires the GPU once the widget is near the viewport; the first run follows if autorun. */
  async start(): Promise<void> {
    this.live = await getLiveGpu();
    if (this.live && this.autorun) await this.runLive();
  }

  /**
   * Measures toward the slider's length at the current shape; resolves when done, stopped short
   * by the budget, failed, or replaced by a newer run.
   */
  async runLive(): Promise<void> {
    this.#started = true;
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
    this.#run?.abort();
    const run = new AbortController();
    this.#run = run;
    const live = this.live;
    const target = this.tokens;
    const direct = this.#directBudgetMs;
    this.#directBudgetMs = null;
    const budgetMs = direct ?? RACE_BUDGET_MS;
    const results = resultsOn(live.gpu.device);
    const clock = new JobClock();
    this.failure = null;
    this.#thisRun = [];
    this.running = true;
    // The shape raced: read again once the chunk size for this GPU is known.
    let shape = this.shape;
    try {
      await this.#chooseChunkSize(live, clock, budgetMs, run.signal);
      if (run.signal.aborted) return;
      shape = this.shape;
      await this.#prepare(live, shape, run.signal);
      // The slider's length is measured afresh on every run, even where it was measured before;
      // shorter lengths measured before only spare the pilot and the steps below them.
      let floor = measuredUpTo(results, shape, target - 1);
      for (;;) {
        const next = planNextLength({
          shape,
          target,
          measured: floor,
          seen: observationsOf(results, shape),
          spentMs: clock.now(),
          budgetMs,
          direct: direct !== null,
          ...(direct !== null ? { maxDispatchMs: Number.POSITIVE_INFINITY } : {}),
        });
        if (next === null) break;
        const result = await this.#measure(
          live,
          { ...shape, heads: next.heads },
          next.tokens,
          clock,
          budgetMs,
          run.signal,
        );
        if (run.signal.aborted) return;
        if (!result) break;
        const earlier = results.findIndex((r) => measuredAt(r, result, result.tokens));
        if (earlier >= 0) results.splice(earlier, 1);
        results.push(result);
        if (result.heads === shape.heads) floor = result.tokens;
        this.#thisRun = [...this.#thisRun, result];
        this.#stored++;
      }
    } catch (error) {
      if (run.signal.aborted) return;
      if (!(error instanceof BudgetSpent)) this.#fail(error);
      else if (!this.#thisRun.length && !comparable(results, shape).length) {
        // Not even the pilot finished in the time allowed: say so, without jargon.
        this.failure = `Your GPU did not finish timing ${formatTokens(Math.min(target, PILOT_TOKENS))} tokens in ${roughDuration(budgetMs)}, so the figure shows the reference GPU's numbers.`;
      }
    } finally {
      if (this.#run === run) {
        this.#run = null;
        this.running = false;
        this.choosingChunk = false;
        this.measuringTokens = null;
      }
    }
  }

  /**
   * Sets the chunk size this run races the linear form at: the page's size, or with "auto" this
   * GPU's (from the page, this browser, or a short search run here: one scheduler job per point,
   * on this run's clock, so Stop, the visibility gate and the run's budget apply to it).
   */
  async #chooseChunkSize(
    live: LiveGpu,
    clock: JobClock,
    budgetMs: number,
    signal: AbortSignal,
  ): Promise<void> {
    const form = this.forms.linear;
    if (!takesOption(form, 'chunkSize')) {
      this.chunkAnswer = null;
      return;
    }
    let answer: ChunkSizeAnswer;
    try {
      answer = await pageChunkSizes.resolve(live.gpu, {
        setting: this.chunkSetting,
        form,
        dim: this.dim,
        run: (events) =>
          gpuScheduler.iterate(events, { signal, label: 'race: choose a chunk size', clock }),
        sweep: liveSweepOptions(live, signal, () => clock.now()),
        // At most a quarter of the run's time, so the race itself keeps most of it.
        budgetMs: Math.min(CHUNK_SEARCH_BUDGET_MS, budgetMs / 4),
        onSearch: () => {
          this.choosingChunk = true;
        },
      });
    } finally {
      // A failed or stopped search says so at once, not only when the run ends.
      this.choosingChunk = false;
    }
    if (signal.aborted) return;
    this.chunkAnswer = answer;
    this.chunkSize = answer.chunkSize;
  }

  /**
   * Compiles both forms' kernels for this d, chunk size and pair, once per device, before anything is
   * timed: compilation is a one-time cost (seconds on a CPU emulation) that no GPU dispatch can
   * bound, so it stays out of the run's time and out of the predictions.
   */
  async #prepare(live: LiveGpu, shape: RaceShape, signal: AbortSignal): Promise<void> {
    const create = live.createAttention;
    const { device } = live.gpu;
    const forms = raceForms(shape);
    const key = `${shape.dim}/${shape.chunkSize}/${forms.join('/')}`;
    let done = prepared.get(device);
    if (!done) prepared.set(device, (done = []));
    if (!create || done.includes(key)) return;
    this.preparing = true;
    try {
      await gpuScheduler.run(
        async (jobSignal) => {
          for (const form of forms) {
            jobSignal.throwIfAborted();
            const resident = await create(
              device,
              { heads: 1, tokens: Math.max(PILOT_TOKENS, shape.chunkSize), dim: shape.dim },
              takesOption(form, 'chunkSize') ? { form, chunkSize: shape.chunkSize } : { form },
            );
            resident.destroy();
          }
        },
        { signal, label: 'race: compile kernels' },
      );
      done.push(key);
    } finally {
      this.preparing = false;
    }
  }

  /** Times both forms at `tokens` as one scheduler job; null (and `failure` set) if a form failed. */
  async #measure(
    live: LiveGpu,
    shape: RaceShape,
    tokens: number,
    clock: JobClock,
    budgetMs: number,
    signal: AbortSignal,
  ): Promise<LiveResult | null> {
    this.measuringTokens = tokens;
    this.measuringHeads = shape.heads;
    const forms = raceForms(shape);
    this.progress = { done: 0, total: forms.length };
    const stop = new AbortController();
    const forward = (): void => stop.abort(signal.reason);
    signal.addEventListener('abort', forward, { once: true });
    try {
      const records = await gpuScheduler.run(
        async (jobSignal) => {
          clock.start();
          const started = performance.now();
          // The budget's end aborts the step between GPU submissions.
          const timer = setTimeout(
            () => stop.abort(new BudgetSpent()),
            Math.max(0, budgetMs - clock.now()),
          );
          try {
            const out: BenchRecord[] = [];
            for await (const event of sweepAttention(live.gpu, {
              // Gated forms get random log-decays from the sweep (sweep/inputs.ts).
              forms,
              tokens: [tokens],
              heads: shape.heads,
              dim: shape.dim,
              chunkSize: shape.chunkSize,
              samples: 5,
              // Extra samples only while the budget allows; the minimum is always taken.
              pointBudgetMs: Math.max(0, (budgetMs - clock.now()) / (2 * forms.length)),
              // This class plans against the budget itself (and stops the step at its end).
              sweepBudgetMs: Number.POSITIVE_INFINITY,
              measure: (device, work, options) =>
                measureWork(device, work, { ...options, warmupRuns: RACE_WARMUP_RUNS }),
              // No budget clock: the step's own timer ends it (above).
              ...liveSweepOptions(live, jobSignal),
            })) {
              out.push(event.record);
              this.progress = event.progress;
            }
            this.lastRunMs = performance.now() - started;
            return out;
          } finally {
            clearTimeout(timer);
            clock.stop();
          }
        },
        { signal: stop.signal, label: `race T=${tokens}` },
      );
      const [softmaxForm, linearForm] = forms;
      const softmax = records.find((r) => r.form === softmaxForm);
      const linear = records.find((r) => r.form === linearForm);
      const failed = records.find((r) => r.status !== 'ok');
      if (!softmax?.medianMs || !linear?.medianMs || failed) {
        this.#fail(failed?.reason ?? 'the run returned no result');
        return null;
      }
      return {
        tokens,
        heads: shape.heads,
        dim: shape.dim,
        chunkSize: shape.chunkSize,
        forms: { softmax: softmaxForm, linear: linearForm },
        softmax,
        linear,
      };
    } catch (error) {
      if (stop.signal.reason instanceof BudgetSpent) throw stop.signal.reason;
      throw error;
    } finally {
      signal.removeEventListener('abort', forward);
    }
  }

  /** Records a failed run: the engine's words to the console, a plain sentence on screen. */
  #fail(error: unknown): void {
    // A lost device is the page's to report (the device note says so); stay quiet here.
    if (error instanceof DeviceLostError || pageGpu.outcome?.kind !== 'ready') return;
    const message = error instanceof Error ? error.message : String(error);
    console.warn(`la-race: live run failed: ${message}`);
    this.failure =
      "Your GPU could not finish this run, so the figure shows the reference GPU's numbers.";
  }

  /** Stops the run in progress (off screen, or the element removed). */
  cancel(): void {
    this.#run?.abort();
    this.#run = null;
    this.running = false;
    this.choosingChunk = false;
    this.measuringTokens = null;
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
