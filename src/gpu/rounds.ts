/**
 * The measurement protocol of the reference data: several independent rounds in one call, every
 * form and every context length visited once per round (forms interleaved, their order rotated from
 * round to round), and each point's value the median over rounds of the round's own median. The
 * spread across rounds (min, quartiles, max) and the number of rounds stay with the point, so a
 * reader sees how much a number moved between rounds. Never the best of several runs: a lucky
 * round counts once, like an unlucky one. Pure functions, unit-tested on fixed numbers.
 */
import type { BenchRecord } from './records.ts';
import { quantileSorted } from './stats.ts';

/** The spread of one point across rounds: each round contributes its median, in ms per run. */
export interface RoundSpread {
  /** The fastest round's median. */
  minMs: number;
  /** 25th percentile of the round medians (linear interpolation, NumPy's default). */
  p25Ms: number;
  /** 75th percentile of the round medians. */
  p75Ms: number;
  /** The slowest round's median. */
  maxMs: number;
}

/** Median and spread over rounds of one point. */
export interface RoundSummary {
  /** Median of the round medians. */
  medianMs: number;
  spread: RoundSpread;
  /** Rounds that measured the point. */
  rounds: number;
}

/**
 * Combines the medians of the rounds that measured one point. Throws on an empty list or a value
 * that is not a positive finite number: a round that measured nothing is left out by the caller.
 */
export function summarizeRounds(roundMedians: readonly number[]): RoundSummary {
  if (roundMedians.length === 0) throw new Error('summarizeRounds needs at least one round.');
  for (const ms of roundMedians) {
    if (!(Number.isFinite(ms) && ms > 0)) {
      throw new Error(`A round median must be a positive number of ms, not ${ms}.`);
    }
  }
  const sorted = [...roundMedians].sort((a, b) => a - b);
  return {
    medianMs: quantileSorted(sorted, 0.5),
    spread: {
      minMs: sorted[0]!,
      p25Ms: quantileSorted(sorted, 0.25),
      p75Ms: quantileSorted(sorted, 0.75),
      maxMs: sorted[sorted.length - 1]!,
    },
    rounds: sorted.length,
  };
}

/** What identifies one point across rounds: task, form, shape, chunk size and feature map. */
export function pointKey(r: BenchRecord): string {
  return [r.task, r.form, r.heads, r.tokens, r.dim, r.chunkSize, r.featureMap, r.normalize].join(
    '|',
  );
}

/** The list rotated left by `by` places: round r starts its sweep with a different form. */
export function rotate<T>(items: readonly T[], by: number): T[] {
  if (items.length === 0) return [];
  const k = ((by % items.length) + items.length) % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

const medianOf = (values: readonly number[]): number =>
  quantileSorted(
    [...values].sort((a, b) => a - b),
    0.5,
  );

/**
 * One record per point from the records of every round (`rounds[r]` holds round r's records).
 * Points keep the order in which round 0 (then later rounds) first listed them. A point measured
 * in some rounds gets: `medianMs` the median of the round medians; `spread` their min, quartiles
 * and max; `rounds` how many rounds measured it and `roundsMs` their medians in round order;
 * `p25Ms`, `p75Ms`, `iqrMs` and `repetitions` the medians over those rounds of each round's own
 * values (the spread of samples within a typical round); `samples` the total over rounds; `gflops`
 * the cost model's FLOPs over the combined median; `reason` null, or which rounds did not measure
 * it and why. A point no round measured keeps round 0's skipped or failed record, with `rounds: 0`.
 */
export function combineRounds(rounds: readonly (readonly BenchRecord[])[]): BenchRecord[] {
  const byKey = new Map<string, BenchRecord[]>();
  for (const round of rounds) {
    for (const r of round) {
      const key = pointKey(r);
      const list = byKey.get(key);
      if (list) list.push(r);
      else byKey.set(key, [r]);
    }
  }
  const out: BenchRecord[] = [];
  for (const list of byKey.values()) {
    const ok = list.filter((r) => r.status === 'ok' && r.medianMs !== null && r.medianMs > 0);
    const first = list[0]!;
    if (ok.length === 0) {
      out.push({ ...first, rounds: 0, roundsMs: [], spread: null });
      continue;
    }
    const roundsMs = ok.map((r) => r.medianMs!);
    const summary = summarizeRounds(roundsMs);
    const flops = ok
      .map((r) => (r.gflops === null ? Number.NaN : r.gflops * r.medianMs! * 1e6))
      .find((f) => Number.isFinite(f));
    const notOk = list.filter((r) => !ok.includes(r));
    const last = ok[ok.length - 1]!;
    const p25 = medianOf(ok.map((r) => r.p25Ms ?? Number.NaN));
    const p75 = medianOf(ok.map((r) => r.p75Ms ?? Number.NaN));
    out.push({
      ...last,
      medianMs: summary.medianMs,
      p25Ms: Number.isFinite(p25) ? p25 : null,
      p75Ms: Number.isFinite(p75) ? p75 : null,
      iqrMs: Number.isFinite(p25) && Number.isFinite(p75) ? p75 - p25 : null,
      samples: ok.reduce((n, r) => n + r.samples, 0),
      repetitions: Math.round(medianOf(ok.map((r) => r.repetitions))),
      gflops: flops === undefined ? null : flops / (summary.medianMs * 1e6),
      status: 'ok',
      reason:
        notOk.length === 0
          ? null
          : `measured in ${ok.length} of ${list.length} rounds; ` +
            `not in the others: ${[...new Set(notOk.map((r) => r.reason ?? r.status))].join('; ')}`,
      rounds: summary.rounds,
      roundsMs,
      spread: summary.spread,
    });
  }
  return out;
}
