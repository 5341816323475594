/**
 * The fixed cost of a run, taken apart: how much of a short run's time is a compute pass, each
 * dispatch inside a pass, and each barrier between dependent dispatches, as the bench's own timing
 * (timing.ts's measureWork: R runs in one encoder, one timestamp pair around them, ms = span / R)
 * measures them. The works do almost nothing (dispatch-floor.wgsl adds one to an element), so
 * their time is that fixed cost:
 *   empty-pass      one compute pass, no dispatch
 *   dispatch-1wg    one pass, one dispatch of one 64-thread workgroup
 *   dispatch-wide   one pass, one dispatch of `wideWorkgroups` workgroups (default 12 x 132)
 *   dependent-k     one pass, k one-workgroup dispatches on the SAME buffer (a barrier each)
 *   independent-k   one pass, k one-workgroup dispatches, each on its OWN buffer
 *   passes-k        k passes of one one-workgroup dispatch each, all on one buffer
 * dispatch-1wg is the k = 1 member of the three families, so the slopes fit k = 1, 2, 4, 8.
 * Measured in rounds as the bench measures forms (rounds.ts): every work once per round, their
 * order rotated from round to round, the clock settled before each when asked, and each work's
 * value the median of its round medians.
 */
import { passTimestamps } from './forms/form.ts';
import { countRun, type EncoderCount } from './encoder-count.ts';
import source from './kernels/dispatch-floor.wgsl?raw';
import { getPipeline } from './pipelines.ts';
import { rotate } from './rounds.ts';
import { keepValidSamples, quantileSorted } from './stats.ts';
import { measureWork, type ClockInfo, type Measurement } from './timing.ts';
import type { ClockSettler, ClockSettleResult } from './clock-settle.ts';
import type { GpuWork, TimestampTarget } from './types.ts';

const WORKGROUP_SIZE = 64;

/** The dispatch counts of the dependent, independent and passes families. */
export const FLOOR_KS = [2, 4, 8] as const;

/** Workgroups of dispatch-wide by default: 12 heads' worth on the H200's 132 SMs. */
export const DEFAULT_WIDE_WORKGROUPS = 12 * 132;

/** One probe work's shape. */
export interface FloorWorkSpec {
  /** "empty-pass", "dependent-4", ... */
  name: string;
  /** The family the slopes group by; dispatch-1wg belongs to all three as k = 1. */
  family: 'empty-pass' | 'dispatch-1wg' | 'dispatch-wide' | 'dependent' | 'independent' | 'passes';
  /** Dispatches (or, for passes-k, passes) of the family: 1 for the single works. */
  k: number;
  passes: number;
  dispatchesPerPass: number;
  /** Workgroups of each dispatch. */
  workgroups: number;
  /** Each dispatch writes its own buffer (else all share one). */
  ownBuffers: boolean;
}

/** The works, in the order the first round visits them. */
export function floorWorkSpecs(wideWorkgroups = DEFAULT_WIDE_WORKGROUPS): FloorWorkSpec[] {
  const one = { workgroups: 1, ownBuffers: false };
  return [
    { name: 'empty-pass', family: 'empty-pass', k: 1, passes: 1, dispatchesPerPass: 0, ...one },
    { name: 'dispatch-1wg', family: 'dispatch-1wg', k: 1, passes: 1, dispatchesPerPass: 1, ...one },
    {
      name: 'dispatch-wide',
      family: 'dispatch-wide',
      k: 1,
      passes: 1,
      dispatchesPerPass: 1,
      workgroups: wideWorkgroups,
      ownBuffers: false,
    },
    ...FLOOR_KS.map((k): FloorWorkSpec => ({
      name: `dependent-${k}`,
      family: 'dependent',
      k,
      passes: 1,
      dispatchesPerPass: k,
      ...one,
    })),
    ...FLOOR_KS.map((k): FloorWorkSpec => ({
      name: `independent-${k}`,
      family: 'independent',
      k,
      passes: 1,
      dispatchesPerPass: k,
      workgroups: 1,
      ownBuffers: true,
    })),
    ...FLOOR_KS.map((k): FloorWorkSpec => ({
      name: `passes-${k}`,
      family: 'passes',
      k,
      passes: k,
      dispatchesPerPass: 1,
      ...one,
    })),
  ];
}

/** A probe work, with the buffers its dispatches add to (one, or one per dispatch). */
export interface FloorWork extends GpuWork {
  readonly buffers: readonly GPUBuffer[];
}

/**
 * A probe work on `device`: its buffers hold random values (never zeros), the timestamps go on
 * its first pass's beginning and its last pass's end, as the forms write them.
 */
export function createFloorWork(device: GPUDevice, spec: FloorWorkSpec): FloorWork {
  const label = `dispatch-floor/${spec.name}`;
  const dispatches = spec.passes * spec.dispatchesPerPass;
  const elements = spec.workgroups * WORKGROUP_SIZE;
  const buffers = Array.from({ length: spec.ownBuffers ? dispatches : 1 }, (_, i) => {
    const buffer = device.createBuffer({
      label: `${label} data ${i}`,
      size: 4 * elements,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC,
    });
    device.queue.writeBuffer(
      buffer,
      0,
      Float32Array.from({ length: elements }, () => Math.random() + 0.5),
    );
    return buffer;
  });
  const pipeline = getPipeline(device, 'dispatch-floor', source, { WORKGROUP_SIZE });
  const bindGroups = buffers.map((buffer, i) =>
    device.createBindGroup({
      label: `${label} #${i}`,
      layout: pipeline.getBindGroupLayout(0),
      entries: [{ binding: 0, resource: { buffer } }],
    }),
  );
  let destroyed = false;
  return {
    label,
    buffers,
    flops: dispatches * elements,
    encode(encoder: GPUCommandEncoder, timestamps?: TimestampTarget) {
      let d = 0;
      for (let p = 0; p < spec.passes; p++) {
        const timestampWrites = passTimestamps(timestamps, p, spec.passes);
        const name = `${label} pass ${p + 1}/${spec.passes}`;
        const pass = encoder.beginComputePass(
          timestampWrites ? { label: name, timestampWrites } : { label: name },
        );
        for (let i = 0; i < spec.dispatchesPerPass; i++, d++) {
          pass.setPipeline(pipeline);
          pass.setBindGroup(0, bindGroups[spec.ownBuffers ? d : 0]!);
          pass.dispatchWorkgroups(spec.workgroups);
        }
        pass.end();
      }
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      for (const buffer of buffers) buffer.destroy();
    },
  };
}

/** One work's result over the rounds. */
export interface FloorMeasurement {
  spec: FloorWorkSpec;
  /** What one run encodes, counted on a real encoder (encoder-count.ts). */
  count: EncoderCount;
  /**
   * Median over rounds of the round medians, ms per run; null when no round measured it. A round
   * whose every sample read exactly zero (the clock did not advance over R runs: less than the
   * clock's resolution / R per run) counts as 0; see `zeroRounds` and `boundMs`.
   */
  medianMs: number | null;
  /** Min and max of the round medians, or, with one round, of that round's kept samples. */
  minMs: number | null;
  maxMs: number | null;
  spreadOver: 'rounds' | 'samples';
  /** Each round's median, in round order (0 for a round that read zero). */
  roundsMs: number[];
  /** Rounds whose every sample read zero. */
  zeroRounds: number;
  /** With zeroRounds > 0: the clock's resolution over the repetitions, the most such a run took. */
  boundMs: number | null;
  /** Runs per sample: the median over rounds of each round's pilot choice. */
  repetitions: number;
  /** Samples kept (positive), summed over rounds. */
  samples: number;
}

export interface FloorOptions {
  clockInfo: ClockInfo;
  rounds?: number;
  /** Samples per work and round (default 10), as the bench's --samples. */
  samples?: number;
  /** Wall-clock ms per work and round (default 2000), as the bench's --budget-ms. */
  budgetMs?: number;
  /**
   * Wall-clock ms for all rounds (default: none), as the bench's --sweep-budget-ms: a round starts
   * only when the rounds so far, at their mean length, leave room for it; the first always runs.
   */
  totalBudgetMs?: number;
  wideWorkgroups?: number;
  /** Settles the clocks before every measurement (the bench's --settle-clocks). */
  settler?: ClockSettler;
  onSettle?: (result: ClockSettleResult) => void;
  /** After each measurement: the work, the round (from 0), the round's median (NaN if none). */
  onMeasured?: (spec: FloorWorkSpec, round: number, medianMs: number) => void;
}

/**
 * A round's value from one measurement: the median of its kept samples (the bench's rule), 0 when
 * every sample read exactly zero, NaN when nothing usable came back.
 */
export function roundValue(m: Pick<Measurement, 'samples' | 'medianMs' | 'rawMs'>): number {
  if (m.samples > 0) return m.medianMs;
  return m.rawMs.length > 0 && m.rawMs.every((ms) => ms === 0) ? 0 : Number.NaN;
}

const median = (values: readonly number[]): number =>
  quantileSorted(
    [...values].sort((a, b) => a - b),
    0.5,
  );

/**
 * Measures every probe work in rounds (fewer when `totalBudgetMs` runs out: each work's
 * `roundsMs` says how many); frees every buffer it created.
 */
export async function measureDispatchFloor(
  device: GPUDevice,
  options: FloorOptions,
): Promise<FloorMeasurement[]> {
  const specs = floorWorkSpecs(options.wideWorkgroups);
  const works = specs.map((spec) => createFloorWork(device, spec));
  const rounds = Math.max(1, options.rounds ?? 1);
  const medians = specs.map((): number[] => []);
  const repetitions = specs.map((): number[] => []);
  const samples = specs.map((): number[] => []);
  try {
    const counts = works.map((work) => countRun(device, work));
    const started = performance.now();
    for (let r = 0; r < rounds; r++) {
      const spent = performance.now() - started;
      if (r > 0 && spent + spent / r > (options.totalBudgetMs ?? Number.POSITIVE_INFINITY)) break;
      for (const i of rotate(
        specs.map((_, i) => i),
        r,
      )) {
        if (options.settler) options.onSettle?.(await options.settler.settle());
        const m = await measureWork(device, works[i]!, {
          clockInfo: options.clockInfo,
          samples: options.samples ?? 10,
          budgetMs: options.budgetMs ?? 2000,
        });
        const value = roundValue(m);
        if (!Number.isNaN(value)) {
          medians[i]!.push(value);
          repetitions[i]!.push(m.repetitions);
          samples[i]!.push(...keepValidSamples(m.rawMs));
        }
        options.onMeasured?.(specs[i]!, r, value);
      }
    }
    return specs.map((spec, i): FloorMeasurement => {
      const roundsMs = medians[i]!;
      const kept = samples[i]!;
      const zeroRounds = roundsMs.filter((ms) => ms === 0).length;
      const reps = roundsMs.length > 0 ? Math.round(median(repetitions[i]!)) : 0;
      // One round: the spread of its samples (a zero round has none: its value alone).
      const single = roundsMs.length === 1 && kept.length > 0;
      return {
        spec,
        count: counts[i]!,
        medianMs: roundsMs.length > 0 ? median(roundsMs) : null,
        minMs: roundsMs.length === 0 ? null : single ? Math.min(...kept) : Math.min(...roundsMs),
        maxMs: roundsMs.length === 0 ? null : single ? Math.max(...kept) : Math.max(...roundsMs),
        spreadOver: single ? 'samples' : 'rounds',
        roundsMs,
        zeroRounds,
        boundMs: zeroRounds > 0 && reps > 0 ? options.clockInfo.resolutionMs / reps : null,
        repetitions: reps,
        samples: kept.length,
      };
    });
  } finally {
    for (const work of works) work.destroy();
  }
}

/** A least-squares line y = intercept + slope x. */
export interface LineFit {
  slope: number;
  intercept: number;
  /** The x values fitted. */
  xs: number[];
}

/** The least-squares line through the points; null with fewer than two distinct x. */
export function fitLine(xs: readonly number[], ys: readonly number[]): LineFit | null {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return null;
  const mx = xs.slice(0, n).reduce((s, x) => s + x, 0) / n;
  const my = ys.slice(0, n).reduce((s, y) => s + y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i]! - mx) ** 2;
    sxy += (xs[i]! - mx) * (ys[i]! - my);
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx, xs: xs.slice(0, n) };
}

/** What the probe's numbers say, in ms per run; null where a work was not measured. */
export interface FloorDerived {
  /** The empty pass (with the timestamps on it). */
  emptyPassMs: number | null;
  /** One pass with one one-workgroup dispatch. */
  oneDispatchMs: number | null;
  /** oneDispatchMs - emptyPassMs: a dispatch's own cost inside a pass. */
  dispatchOverEmptyMs: number | null;
  /** dispatch-wide - dispatch-1wg: the wide dispatch's extra workgroups. */
  wideOverOneMs: number | null;
  /** Slope over k of dependent-k (k = 1: dispatch-1wg): per extra dependent dispatch. */
  perDependentDispatch: LineFit | null;
  /** The same for independent-k. */
  perIndependentDispatch: LineFit | null;
  /** The same for passes-k: per extra pass (of one dispatch). */
  perPass: LineFit | null;
}

/** Derives the per-pass and per-dispatch costs from the measurements (pure). */
export function deriveFloor(measurements: readonly FloorMeasurement[]): FloorDerived {
  const ms = (name: string): number | null =>
    measurements.find((m) => m.spec.name === name)?.medianMs ?? null;
  const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
  const family = (name: FloorWorkSpec['family']): LineFit | null => {
    const points = measurements.filter(
      (m) => (m.spec.family === name || m.spec.family === 'dispatch-1wg') && m.medianMs !== null,
    );
    return fitLine(
      points.map((m) => m.spec.k),
      points.map((m) => m.medianMs!),
    );
  };
  const empty = ms('empty-pass');
  const one = ms('dispatch-1wg');
  return {
    emptyPassMs: empty,
    oneDispatchMs: one,
    dispatchOverEmptyMs: diff(one, empty),
    wideOverOneMs: diff(ms('dispatch-wide'), one),
    perDependentDispatch: family('dependent'),
    perIndependentDispatch: family('independent'),
    perPass: family('passes'),
  };
}
