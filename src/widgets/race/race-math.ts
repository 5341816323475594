/**
 * The race's pure arithmetic: the slider's log scale, how long a context the device can hold,
 * and the speedup sentence. Unit-tested without a browser.
 */
import { estimateCost } from '../../gpu/costs.ts';
import { capacityReason } from '../../gpu/capacity.ts';
import type { BenchRecord } from '../../gpu/records.ts';
import {
  CHARTED_FORMS,
  formSpec,
  isSoftmaxForm,
  type AttentionForm,
} from '../../gpu/forms/registry.ts';
import { formatRatio, formatTokens } from '../shared/format.ts';

/** Slider steps per doubling of the context length. */
export const STEPS_PER_OCTAVE = 2;

/** The context length at a slider step: 2^(step / 2), rounded to a multiple of 64 off the powers of two. */
export function tokensFromStep(step: number): number {
  const exact = 2 ** (step / STEPS_PER_OCTAVE);
  if (Number.isInteger(step / STEPS_PER_OCTAVE)) return exact;
  return Math.max(64, Math.round(exact / 64) * 64);
}

/** The slider step nearest to a context length (in log scale). */
export function stepFromTokens(tokens: number): number {
  return Math.round(Math.log2(Math.max(tokens, 1)) * STEPS_PER_OCTAVE);
}

/** The two forms a race runs: a softmax form against a linear (or gated linear) one. */
export interface RaceForms {
  softmax: AttentionForm;
  linear: AttentionForm;
}

/** The race's default pair: the source post's tiled softmax against chunked linear attention. */
export const DEFAULT_RACE_FORMS: Readonly<RaceForms> = {
  softmax: 'softmax-flash',
  linear: 'linear-chunked',
};

/** The softmax forms the race offers: the registry's charted softmax forms. */
export const RACE_SOFTMAX_FORMS: readonly AttentionForm[] = CHARTED_FORMS.filter(isSoftmaxForm);

/**
 * The linear forms the race offers: every charted chunked form outside the softmax family (the
 * fast form of each linear family: linear-chunked, gated-chunked; not linear-chunked-f16, which
 * needs an optional feature).
 */
export const RACE_LINEAR_FORMS: readonly AttentionForm[] = CHARTED_FORMS.filter(
  (form) => !isSoftmaxForm(form) && formSpec(form).schedule === 'chunked',
);

/** The forms of a race, softmax first; the default pair without `forms`. */
export function raceForms(shape: { forms?: RaceForms }): [AttentionForm, AttentionForm] {
  const forms = shape.forms ?? DEFAULT_RACE_FORMS;
  return [forms.softmax, forms.linear];
}

/** The forms the default race runs (softmax first). */
export const RACE_FORMS = raceForms({});

/**
 * How a sentence names a race's softmax form, as the baseline: "our tiled softmax" (tiled
 * schedule) or "our naive softmax" (the one that materialises the scores).
 */
export function softmaxName(form: AttentionForm): string {
  return `our ${formSpec(form).schedule === 'dense' ? 'naive' : 'tiled'} softmax`;
}

/** How a sentence names a race's linear form, as the subject: "linear" or "gated linear". */
export function linearName(form: AttentionForm): string {
  return formSpec(form).family === 'gated' ? 'gated linear' : 'linear';
}

/** A bar's label for a race form run by this project: "Softmax, tiled (ours)", "Gated linear, chunked (ours)". */
export function raceBarLabel(form: AttentionForm): string {
  const spec = formSpec(form);
  const name = isSoftmaxForm(form)
    ? `Softmax, ${spec.schedule === 'dense' ? 'naive' : 'tiled'}`
    : `${spec.family === 'gated' ? 'Gated linear' : 'Linear'}, ${spec.schedule}`;
  return `${name} (ours)`;
}

/**
 * The longest power-of-two context (at most `cap`) whose every race form fits one buffer of this
 * device, by the cost model; `floor` if even that does not fit.
 */
export function maxTokensFor(
  limits: Pick<GPUSupportedLimits, 'maxStorageBufferBindingSize' | 'maxBufferSize'>,
  shape: { heads: number; dim: number; chunkSize: number; forms?: RaceForms },
  cap: number,
  floor = 128,
): number {
  let best = floor;
  for (let t = floor; t <= cap; t *= 2) {
    const fits = raceForms(shape).every(
      (form) =>
        capacityReason(
          estimateCost(
            form,
            { heads: shape.heads, tokens: t, dim: shape.dim },
            { chunkSize: shape.chunkSize },
          ),
          limits,
        ) === null,
    );
    if (!fits) break;
    best = t;
  }
  return best;
}

/**
 * "linear is 12.3x faster" or "softmax is 1.4x faster"; "both take the same time (1.0x)" when
 * the ratio rounds to 1.0. Times are per run of the same shape.
 */
export function speedupSentence(softmaxMs: number, linearMs: number, linear = 'linear'): string {
  const ratio = softmaxMs / linearMs;
  if (!Number.isFinite(ratio) || ratio <= 0) return 'no comparison is possible';
  const linearWins = ratio >= 1;
  const factor = linearWins ? ratio : 1 / ratio;
  const text = formatRatio(factor);
  if (text === '1.0x') return 'both take about the same time (1.0x)';
  return linearWins ? `${linear} is ${text} faster` : `softmax is ${text} faster`;
}

/** What the FLOP counts predict for the same shape: the ratio of the softmax form's to the linear's. */
export function flopRatio(
  shape: { heads: number; tokens: number; dim: number },
  chunkSize: number,
  forms: RaceForms = DEFAULT_RACE_FORMS,
): number {
  const softmax = estimateCost(forms.softmax, shape, { chunkSize }).flops;
  const linear = estimateCost(forms.linear, shape, { chunkSize }).flops;
  return softmax / linear;
}

/**
 * "FLOPs predict linear 5.1x faster" / "FLOPs predict softmax 1.9x faster"; `linear` names the
 * linear form ("gated linear").
 */
export function flopSentence(ratio: number, linear = 'linear'): string {
  const text = speedupSentence(ratio, 1, linear);
  return `the FLOP counts predict ${text.replace(/ is /, ' ')}`.replace(
    'predict both take about the same time',
    'predict about the same time',
  );
}

// ---------------------------------------------------------------------------------------------
// Planning a live run that fits the device: a short pilot first, then refinement toward the
// slider's length while the time allowed lasts (see RaceState.runLive).

/** The shape of a race, without its length. */
export interface RaceShape {
  heads: number;
  dim: number;
  chunkSize: number;
  /** The forms raced; default DEFAULT_RACE_FORMS. */
  forms?: RaceForms;
}

/** A measured time per run of one form at one length, on the reader's GPU. */
export interface Observation {
  tokens: number;
  /** Heads of the measured shape (the pilot may use fewer than the race). */
  heads?: number;
  ms: number;
}

/** Warm-up runs per point in the race (one absorbs pipeline compilation and first touches). */
export const RACE_WARMUP_RUNS = 1;

/**
 * Runs a measured point costs at least: the warm-up, 1 pilot sample and 3 samples (timing.ts). The
 * pilot sample may batch several short runs, which the safety factor covers.
 */
export const RUNS_PER_POINT = RACE_WARMUP_RUNS + 1 + 3;

/** Predictions scale one measurement by the FLOP model; this covers what the model leaves out. */
export const PREDICTION_SAFETY = 1.5;

/** The whole live run for one slider value may take this long (GPU job time, not queueing). */
export const RACE_BUDGET_MS = 20_000;

/** The first measured result must fit this, so that something live appears within seconds. */
export const FIRST_STEP_MS = 3000;

/** Each refinement may cost at most this many times what the run has spent so far. */
export const STEP_GROWTH = 4;

/**
 * No single run (one GPU submission) may be predicted to take longer than this: it bounds how far a
 * run can overshoot the budget, and keeps clear of the browser's GPU watchdog. Predictions from
 * shorter lengths overestimate (fixed costs scale with them), so no safety factor is applied.
 */
export const MAX_DISPATCH_MS = 2000;

/**
 * The pilot's shape: the shortest length the race shows, with one head, so that any adapter
 * finishes it quickly. Its result is shown (labelled) until a longer one replaces it.
 */
export const PILOT_TOKENS = 128;
export const PILOT_HEADS = 1;

/** FLOPs of one race form at one length (the cost model of src/gpu/costs.ts). */
export function formFlops(form: AttentionForm, shape: RaceShape, tokens: number): number {
  return estimateCost(
    form,
    { heads: shape.heads, tokens, dim: shape.dim },
    { chunkSize: shape.chunkSize },
  ).flops;
}

/**
 * Predicted ms per run at `tokens` from one observation of the same form and shape, scaled by the
 * FLOP model. At short lengths fixed costs dominate, so scaling up overestimates (the safe side).
 */
export function predictRunMs(
  form: AttentionForm,
  shape: RaceShape,
  seen: Observation,
  tokens: number,
): number {
  const measured = { ...shape, heads: seen.heads ?? shape.heads };
  return seen.ms * (formFlops(form, shape, tokens) / formFlops(form, measured, seen.tokens));
}

/** Per form, the observation to predict from: the longest measured length. */
export type Observations = Partial<Record<AttentionForm, Observation>>;

/** Predicted ms to measure both forms at `tokens` (RUNS_PER_POINT runs each), or null if unknown. */
export function predictStepMs(shape: RaceShape, seen: Observations, tokens: number): number | null {
  let total = 0;
  for (const form of raceForms(shape)) {
    const o = seen[form];
    if (!o) return null;
    total += RUNS_PER_POINT * predictRunMs(form, shape, o, tokens);
  }
  return total;
}

/** Predicted ms of the slowest single run of the race at `tokens`, or null if unknown. */
export function predictLongestRunMs(
  shape: RaceShape,
  seen: Observations,
  tokens: number,
): number | null {
  let longest = 0;
  for (const form of raceForms(shape)) {
    const o = seen[form];
    if (!o) return null;
    longest = Math.max(longest, predictRunMs(form, shape, o, tokens));
  }
  return longest;
}

/**
 * The lengths a run may measure on its way to `target` from the longest already measured: the
 * powers of two in between (they match the reference GPU's lengths), then `target`.
 */
export function refinementLadder(measured: number, target: number): number[] {
  const out: number[] = [];
  for (let t = 2 ** (Math.floor(Math.log2(Math.max(measured, 1))) + 1); t < target; t *= 2) {
    out.push(t);
  }
  out.push(target);
  return out;
}

export interface PlanInput {
  shape: RaceShape;
  /** The slider's length. */
  target: number;
  /** The longest length already measured at the full shape, at most `target` (0 for none). */
  measured: number;
  seen: Observations;
  /** Ms of this run's budget spent so far, and the budget. */
  spentMs: number;
  budgetMs: number;
  /** Set when the reader asked for the target whatever it costs (within `budgetMs`). */
  direct?: boolean;
  /** The longest single run allowed; default MAX_DISPATCH_MS. */
  maxDispatchMs?: number;
}

/** What to measure next: a length, and the heads (fewer than the race's only for the pilot). */
export interface PlannedStep {
  tokens: number;
  heads: number;
}

/**
 * The next step, or null to stop. Without observations: the pilot, PILOT_TOKENS (or the target,
 * if shorter) with PILOT_HEADS. With them: the longest length of the ladder whose predicted cost
 * fits what is left of the budget and, early on, FIRST_STEP_MS (later STEP_GROWTH times what was
 * spent, so results keep coming), and whose longest run stays within one bounded dispatch.
 */
export function planNextLength(input: PlanInput): PlannedStep | null {
  const { shape, target, measured, seen, spentMs, budgetMs } = input;
  if (measured >= target) return null;
  const left = budgetMs - spentMs;
  if (left <= 0) return null;
  if (!raceForms(shape).every((form) => seen[form])) {
    return { tokens: Math.min(target, PILOT_TOKENS), heads: Math.min(shape.heads, PILOT_HEADS) };
  }
  const allowance = input.direct
    ? left
    : Math.min(left, Math.max(FIRST_STEP_MS, STEP_GROWTH * spentMs));
  const maxDispatch = input.maxDispatchMs ?? MAX_DISPATCH_MS;
  const start = Math.min(target, PILOT_TOKENS);
  const candidates = input.direct
    ? [target]
    : measured > 0
      ? refinementLadder(measured, target)
      : [...new Set([start, ...refinementLadder(start, target)])];
  const longestFitting = (allowed: number): number | null => {
    let best: number | null = null;
    for (const t of candidates) {
      const cost = predictStepMs(shape, seen, t);
      const longest = predictLongestRunMs(shape, seen, t);
      if (cost === null || longest === null) break;
      if (cost * PREDICTION_SAFETY > allowed || longest > maxDispatch) break;
      best = t;
    }
    return best;
  };
  // Where no step fits the early allowance, one step may still use what is left of the budget.
  const best = longestFitting(allowance) ?? longestFitting(left);
  return best === null ? null : { tokens: best, heads: shape.heads };
}

/** "about 40 s", "about 3 min": a rough duration for a sentence (never below 1 s). */
export function roughDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 10) return `about ${Math.max(1, Math.round(s))} s`;
  if (s < 60) return `about ${Math.round(s / 5) * 5} s`;
  const min = s / 60;
  if (min < 60) return `about ${Math.round(min)} min`;
  return `about ${Math.round(min / 60)} h`;
}

/**
 * "linear is 9.7x faster than our tiled softmax", "our tiled softmax is 1.4x faster than linear",
 * or "linear and our tiled softmax take about the same time": one comparison, baseline named;
 * `linear` names the other side ("gated linear").
 */
export function compareSentence(
  baselineMs: number,
  linearMs: number,
  baseline: string,
  linear = 'linear',
): string {
  const ratio = baselineMs / linearMs;
  if (!Number.isFinite(ratio) || ratio <= 0) return `no comparison with ${baseline} is possible`;
  const text = formatRatio(ratio >= 1 ? ratio : 1 / ratio);
  if (text === '1.0x') return `${linear} and ${baseline} take about the same time`;
  return ratio >= 1
    ? `${linear} is ${text} faster than ${baseline}`
    : `${baseline} is ${text} faster than ${linear}`;
}

/** What the reference GPU measured at one length: our two kernels and PyTorch's fused attention. */
export interface ReferencePoint {
  /** The measured length used (the nearest to the one asked for). */
  tokens: number;
  heads: number;
  dim: number;
  /** The two forms compared. */
  forms: RaceForms;
  softmax: BenchRecord;
  linear: BenchRecord;
  /** PyTorch's fused fp32 SDPA at the same length and shape, ms per run; null if not measured. */
  torchMs: number | null;
  /** Its spread across the reference run's rounds, when it had several. */
  torchSpread: { minMs: number; maxMs: number } | null;
}

/** A PyTorch baseline entry as the dataset holds it (only the fields read here). */
export interface TorchEntry {
  form: string;
  tokens: number;
  heads: number;
  dim: number;
  ms: number;
  /** 'fp32' or 'bf16'; absent in older files (fp32). */
  dtype?: string;
  spread?: { minMs: number; maxMs: number } | null;
}

/** The PyTorch form the race compares with: fused scaled-dot-product attention. */
export const TORCH_SOFTMAX_FORM = 'softmax-sdpa';

/**
 * The reference GPU's point nearest to `tokens` (log distance) where both race forms were
 * measured, with PyTorch's fused attention at that same length when the dataset has it.
 */
export function referencePoint(
  records: readonly BenchRecord[],
  torch: readonly TorchEntry[],
  tokens: number,
  forms: RaceForms = DEFAULT_RACE_FORMS,
): ReferencePoint | null {
  const linear = new Map(
    records
      .filter((r) => r.form === forms.linear && r.status === 'ok' && r.medianMs)
      .map((r) => [r.tokens, r]),
  );
  let best: { softmax: BenchRecord; linear: BenchRecord } | null = null;
  for (const s of records) {
    if (s.form !== forms.softmax || s.status !== 'ok' || !s.medianMs) continue;
    const l = linear.get(s.tokens);
    if (!l || l.heads !== s.heads || l.dim !== s.dim) continue;
    const d = Math.abs(Math.log2(s.tokens / tokens));
    if (!best || d < Math.abs(Math.log2(best.softmax.tokens / tokens)))
      best = { softmax: s, linear: l };
  }
  if (!best) return null;
  const { softmax } = best;
  const t = torch.find(
    (e) =>
      e.form === TORCH_SOFTMAX_FORM &&
      e.tokens === softmax.tokens &&
      e.heads === softmax.heads &&
      e.dim === softmax.dim &&
      (e.dtype ?? 'fp32') === 'fp32' &&
      e.ms > 0,
  );
  return {
    tokens: softmax.tokens,
    heads: softmax.heads,
    dim: softmax.dim,
    forms: { softmax: forms.softmax, linear: forms.linear },
    ...best,
    torchMs: t?.ms ?? null,
    torchSpread: t?.spread ?? null,
  };
}

/**
 * The reference GPU's comparison: against our tiled softmax, and against PyTorch's fused attention
 * where it was measured at that length.
 */
export function referenceComparison(point: ReferencePoint): string {
  const linearMs = point.linear.medianMs ?? Number.NaN;
  const linear = linearName(point.forms.linear);
  const ours = compareSentence(
    point.softmax.medianMs ?? Number.NaN,
    linearMs,
    softmaxName(point.forms.softmax),
    linear,
  );
  if (point.torchMs === null) {
    return `${ours} (PyTorch's fused fp32 attention was not measured at ${formatTokens(point.tokens)} tokens)`;
  }
  const torch = compareSentence(
    point.torchMs,
    linearMs,
    "PyTorch's fused fp32 attention (no tensor cores)",
    linear,
  );
  // One subject, two baselines: "linear is 9.7x faster than ... and 2.5x faster than ...".
  const lead = `${linear} is `;
  if (ours.startsWith(lead) && torch.startsWith(lead)) {
    return `${ours} and ${torch.slice(lead.length)}`;
  }
  return `${ours}; ${torch}`;
}
