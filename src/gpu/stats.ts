/**
 * The statistics behind every timing: which samples to keep, median and interquartile range, the
 * clock's resolution, how many repetitions make one sample long against it, and how long the next
 * point of a sweep will take. Pure functions, unit-tested without a GPU.
 */

/** Median and spread of the kept samples, in milliseconds per run. */
export interface SampleSummary {
  medianMs: number;
  /** 25th percentile. */
  p25Ms: number;
  /** 75th percentile. */
  p75Ms: number;
  /** p75 - p25. */
  iqrMs: number;
  /** Samples kept. */
  samples: number;
  /** Samples dropped as nonsensical (NaN, infinite, end before begin, zero). */
  dropped: number;
}

/**
 * Keeps the samples a clock can honestly produce. The WebGPU spec allows a timestamp pair to read
 * end < begin (and implementations may return zeros); such samples are dropped, never averaged. A
 * zero duration is dropped too: repetitions are batched until one sample spans many clock ticks, so
 * zero means the clock did not advance, not that the work took no time.
 */
export function keepValidSamples(samples: readonly number[]): number[] {
  return samples.filter((s) => Number.isFinite(s) && s > 0);
}

/** The p-quantile (0..1) of ascending values, interpolated linearly (NumPy's default). */
export function quantileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const at = Math.min(Math.max(p, 0), 1) * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (b - a) * (at - lo);
}

/** Drops nonsensical samples, then takes median, quartiles and IQR. NaN fields if none are left. */
export function summarizeSamples(samples: readonly number[]): SampleSummary {
  const kept = keepValidSamples(samples).sort((a, b) => a - b);
  const p25Ms = quantileSorted(kept, 0.25);
  const p75Ms = quantileSorted(kept, 0.75);
  return {
    medianMs: quantileSorted(kept, 0.5),
    p25Ms,
    p75Ms,
    iqrMs: p75Ms - p25Ms,
    samples: kept.length,
    dropped: samples.length - kept.length,
  };
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
}

/**
 * The quantum of a timestamp clock in nanoseconds: the greatest common divisor of the raw values
 * it returned. Chrome rounds timestamps to 100 us unless developer features are on, so every value
 * is a multiple of 100,000 ns; an unrounded clock gives a gcd of a few ns (its tick). Zeros carry no
 * information and are ignored. Needs a dozen or so values to be trustworthy (the chance that n
 * unrounded values share a factor of 2 by luck is 2^-n). Returns null when no value is nonzero.
 */
export function estimateTimestampQuantumNs(values: readonly bigint[]): bigint | null {
  let g = 0n;
  for (const v of values) if (v !== 0n) g = gcd(g, v);
  return g === 0n ? null : g;
}

/**
 * The resolution of a wall clock in ms: the smallest nonzero step between successive readings.
 * Reads `now` until it has seen `steps` distinct steps or `maxReads` readings.
 */
export function estimateWallClockResolutionMs(
  now: () => number,
  steps = 20,
  maxReads = 1_000_000,
): number {
  let smallest = Number.POSITIVE_INFINITY;
  let previous = now();
  let seen = 0;
  for (let i = 0; i < maxReads && seen < steps; i++) {
    const t = now();
    const step = t - previous;
    if (step > 0) {
      smallest = Math.min(smallest, step);
      seen++;
      previous = t;
    }
  }
  return Number.isFinite(smallest) ? smallest : Number.NaN;
}

/**
 * How many repetitions make one sample last at least `targetMs`, given an estimate of one run.
 * An estimate of zero or less (the clock did not advance) multiplies the pilot's repetitions by
 * `growth`, so the caller can escalate until the clock sees something. Clamped to [1, max].
 */
export function chooseRepetitions(
  estimateMsPerRun: number,
  targetMs: number,
  options: { current?: number; max?: number; growth?: number } = {},
): number {
  const current = options.current ?? 1;
  const max = options.max ?? 1024;
  const growth = options.growth ?? 8;
  const wanted =
    Number.isFinite(estimateMsPerRun) && estimateMsPerRun > 0
      ? Math.ceil(targetMs / estimateMsPerRun)
      : current * growth;
  return Math.min(Math.max(wanted, 1), max);
}

/** How the pilot ended: the sample spanned the target, hit the cap, stopped growing or the budget. */
export type PilotStop = 'target' | 'cap' | 'no-growth' | 'budget' | 'rounds';

/**
 * The pilot: grow the repetitions per sample until one sample spans `targetMs` (a few rounds at
 * most), never letting the pilot alone run past the budget. `sample(r)` takes one sample of `r`
 * runs and returns ms per run; `budgetLeftMs()` says how much of the budget is left. Pure logic
 * around an injected sampler, so that it can be tested without a GPU or a clock.
 */
export async function pilotRepetitions(
  sample: (repetitions: number) => Promise<number>,
  options: {
    targetMs: number;
    maxRepetitions: number;
    budgetLeftMs: () => number;
    rounds?: number;
    signal?: AbortSignal;
  },
): Promise<{ repetitions: number; stop: PilotStop }> {
  const { targetMs, maxRepetitions, budgetLeftMs, signal } = options;
  let repetitions = 1;
  for (let round = 0; round < (options.rounds ?? 8); round++) {
    signal?.throwIfAborted();
    const perRun = await sample(repetitions);
    if (perRun * repetitions >= targetMs) return { repetitions, stop: 'target' };
    if (repetitions >= maxRepetitions) return { repetitions, stop: 'cap' };
    const next = chooseRepetitions(perRun, targetMs, { current: repetitions, max: maxRepetitions });
    if (next <= repetitions) return { repetitions, stop: 'no-growth' };
    const left = budgetLeftMs();
    if (perRun > 0 && perRun * next > left) {
      const fits = Math.floor(left / perRun / 4) || 1;
      return { repetitions: Math.max(repetitions, fits), stop: 'budget' };
    }
    repetitions = next;
  }
  return { repetitions, stop: 'rounds' };
}

/** The shortest sample worth taking with a clock of this resolution: 50 ticks, at least `floorMs`. */
export function targetSampleMs(resolutionMs: number, floorMs: number): number {
  return Math.max(floorMs, 50 * (Number.isFinite(resolutionMs) ? resolutionMs : 0));
}

/** A measured point of a series: context length (or position) and median ms. */
export interface SeriesPoint {
  tokens: number;
  ms: number;
}

/**
 * Predicts the time of the next point from the log-log slope of the last two points (a power law
 * t = a T^k through both). The slope is clamped to [0, 3]: timings at small sizes are flat or noisy
 * and no form here grows faster than T^2. Returns null with fewer than two usable points.
 */
export function predictNextMs(points: readonly SeriesPoint[], nextTokens: number): number | null {
  const usable = points.filter((p) => p.tokens > 0 && p.ms > 0 && Number.isFinite(p.ms));
  const b = usable[usable.length - 1];
  const a = usable[usable.length - 2];
  if (!a || !b || a.tokens === b.tokens) return null;
  const raw = Math.log(b.ms / a.ms) / Math.log(b.tokens / a.tokens);
  const slope = Math.min(Math.max(raw, 0), 3);
  return b.ms * Math.pow(nextTokens / b.tokens, slope);
}
