/**
 * Honest timing of a `GpuWork`, after webgpufundamentals' TimingHelper: GPU timestamps where the
 * device has `timestamp-query`, wall-clock time around `queue.onSubmittedWorkDone()` otherwise.
 *
 * The steps: find the clock and its resolution (once per device); warm up (pipeline compilation
 * and first-touch costs stay out of the numbers); grow the repetitions per sample until one sample
 * spans at least 50 clock ticks; take several samples, optionally rotating the inputs between
 * them; drop nonsensical samples; report median and IQR per run, with the clock that produced them.
 */
import { explainGpuFailure, requireDevice } from './guard.ts';
import {
  pilotRepetitions,
  estimateTimestampQuantumNs,
  estimateWallClockResolutionMs,
  summarizeSamples,
  targetSampleMs,
  type SampleSummary,
} from './stats.ts';
import { createSpinWork } from './timing-spin.ts';
import type { GpuWork, TimestampTarget } from './types.ts';

/** Which clock produced a number. */
export type ClockKind = 'gpu-timestamp' | 'wall-clock';

/** A clock as measured on one device. */
export interface ClockInfo {
  clock: ClockKind;
  /** The smallest step the clock can show, in ms (0.1 for Chrome's rounded timestamps). */
  resolutionMs: number;
  /**
   * Wall clock only: the time of an empty submit-and-wait round trip in ms, which every wall-clock
   * sample pays once. 0 for GPU timestamps.
   */
  overheadMs: number;
}

export interface MeasureOptions {
  /** A clock measured by `detectClock`; detected on each call when absent (slower). */
  clockInfo?: ClockInfo;
  /** Runs before the measurement proper; default 2. */
  warmupRuns?: number;
  /** Samples wanted; default 10. */
  samples?: number;
  /** Samples taken even when that overruns the budget; default 3. */
  minSamples?: number;
  /** Wall-clock ms the whole measurement may take (warm-up included); default 2000. */
  budgetMs?: number;
  /** The shortest sample worth taking, in ms, before the clock's own floor; default 1. */
  minSampleMs?: number;
  /** At most this many runs per sample; default 1024. */
  maxRepetitions?: number;
  /**
   * Called before every sample (index from 0), e.g. to write fresh random inputs so that small
   * inputs are not timed from a warm cache. Its time is not measured.
   */
  rotate?: (sample: number) => void | Promise<void>;
  /** Aborts between GPU submissions. */
  signal?: AbortSignal;
}

/** A measurement of one work: per-run milliseconds, and how they were obtained. */
export interface Measurement extends SampleSummary {
  clock: ClockKind;
  clockResolutionMs: number;
  /** Runs encoded per sample. */
  repetitions: number;
  /** Every sample, ms per run, before dropping. */
  rawMs: number[];
  /** Wall-clock ms the whole measurement took. */
  elapsedMs: number;
}

const now = (): number => performance.now();

/**
 * Chooses the clock for a device and measures its resolution. With `timestamp-query`, tiny runs are
 * timed and the gcd of the raw timestamps gives the quantum (Chrome: 100 us); if the timestamps
 * come back all zero the wall clock is used instead. Pass `prefer: 'wall-clock'` to force it.
 */
export async function detectClock(
  device: GPUDevice,
  prefer: ClockKind | 'auto' = 'auto',
): Promise<ClockInfo> {
  requireDevice(device, 'detectClock');
  if (prefer !== 'wall-clock' && device.features.has('timestamp-query')) {
    const quantum = await readTimestampQuantum(device);
    if (quantum !== null) {
      return { clock: 'gpu-timestamp', resolutionMs: Number(quantum) / 1e6, overheadMs: 0 };
    }
  }
  const resolutionMs = estimateWallClockResolutionMs(now);
  const trips: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = now();
    device.queue.submit([]);
    await device.queue.onSubmittedWorkDone();
    trips.push(now() - t0);
  }
  trips.sort((a, b) => a - b);
  return { clock: 'wall-clock', resolutionMs, overheadMs: trips[2] ?? 0 };
}

const PROBE_RUNS = 16;

async function readTimestampQuantum(device: GPUDevice): Promise<bigint | null> {
  const work = createSpinWork(device, { elements: 64, iterations: 16 });
  const querySet = device.createQuerySet({
    label: 'timing/probe queries',
    type: 'timestamp',
    count: 2 * PROBE_RUNS,
  });
  const size = 2 * PROBE_RUNS * 8;
  const resolve = device.createBuffer({
    label: 'timing/probe resolve',
    size,
    usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
  });
  const read = device.createBuffer({
    label: 'timing/probe read',
    size,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  try {
    const encoder = device.createCommandEncoder({ label: 'timing/probe' });
    for (let i = 0; i < PROBE_RUNS; i++) {
      work.encode(encoder, { querySet, beginIndex: 2 * i, endIndex: 2 * i + 1 });
    }
    encoder.resolveQuerySet(querySet, 0, 2 * PROBE_RUNS, resolve, 0);
    encoder.copyBufferToBuffer(resolve, 0, read, 0, size);
    device.queue.submit([encoder.finish()]);
    await mapForReading(device, read);
    const values = [...new BigUint64Array(read.getMappedRange().slice(0))];
    read.unmap();
    return estimateTimestampQuantumNs(values);
  } finally {
    work.destroy();
    querySet.destroy();
    resolve.destroy();
    read.destroy();
  }
}

/**
 * Timestamp targets for `repetitions` runs in one encoder, so that one begin/end pair brackets
 * them all: the first run writes the real begin (0) and a scratch end (2), the last a scratch
 * begin (3) and the real end (1); runs between write none. A single run writes 0 and 1.
 */
export function batchTimestampTargets(
  querySet: GPUQuerySet,
  repetitions: number,
): (TimestampTarget | undefined)[] {
  if (repetitions === 1) return [{ querySet, beginIndex: 0, endIndex: 1 }];
  return Array.from({ length: repetitions }, (_, i) => {
    if (i === 0) return { querySet, beginIndex: 0, endIndex: 2 };
    if (i === repetitions - 1) return { querySet, beginIndex: 3, endIndex: 1 };
    return undefined;
  });
}

/** Takes one sample of `repetitions` runs and returns ms per run (may be NaN or negative). */
export type Sampler = (repetitions: number) => Promise<number>;

/**
 * The sampler `measureWork` uses for a clock: GPU timestamps around the batch, or the wall clock
 * around one submit-and-wait. `destroy` frees the timestamp buffers.
 */
export function createSampler(
  device: GPUDevice,
  work: GpuWork,
  clockInfo: ClockInfo,
): { sample: Sampler; destroy(): void } {
  if (clockInfo.clock === 'gpu-timestamp') return createTimestampSampler(device, work);
  return { sample: createWallClockSampler(device, work), destroy() {} };
}

function createTimestampSampler(
  device: GPUDevice,
  work: GpuWork,
): { sample: Sampler; destroy(): void } {
  const querySet = device.createQuerySet({
    label: `timing ${work.label} queries`,
    type: 'timestamp',
    count: 4,
  });
  const resolve = device.createBuffer({
    label: `timing ${work.label} resolve`,
    size: 4 * 8,
    usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
  });
  const read = device.createBuffer({
    label: `timing ${work.label} read`,
    size: 2 * 8,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  return {
    async sample(repetitions) {
      const encoder = device.createCommandEncoder({ label: `timing ${work.label}` });
      for (const target of batchTimestampTargets(querySet, repetitions)) {
        work.encode(encoder, target);
      }
      encoder.resolveQuerySet(querySet, 0, 2, resolve, 0);
      encoder.copyBufferToBuffer(resolve, 0, read, 0, 2 * 8);
      device.queue.submit([encoder.finish()]);
      await mapForReading(device, read);
      const [begin = 0n, end = 0n] = new BigUint64Array(read.getMappedRange().slice(0));
      read.unmap();
      // The spec allows end < begin; the difference then goes negative and the sample is dropped.
      return Number(end - begin) / 1e6 / repetitions;
    },
    destroy() {
      querySet.destroy();
      resolve.destroy();
      read.destroy();
    },
  };
}

function createWallClockSampler(device: GPUDevice, work: GpuWork): Sampler {
  return async (repetitions) => {
    const encoder = device.createCommandEncoder({ label: `timing ${work.label}` });
    for (let i = 0; i < repetitions; i++) work.encode(encoder);
    const commands = encoder.finish();
    // Earlier work (input writes, a previous sample) must not land inside this sample.
    await device.queue.onSubmittedWorkDone();
    const t0 = now();
    device.queue.submit([commands]);
    await device.queue.onSubmittedWorkDone();
    return (now() - t0) / repetitions;
  };
}

async function runOnce(device: GPUDevice, work: GpuWork): Promise<void> {
  const encoder = device.createCommandEncoder({ label: `warm-up ${work.label}` });
  work.encode(encoder);
  device.queue.submit([encoder.finish()]);
  await device.queue.onSubmittedWorkDone();
}

/** Maps a timing readback buffer; a lost device rejects with a DeviceLostError. */
async function mapForReading(device: GPUDevice, buffer: GPUBuffer): Promise<void> {
  try {
    await buffer.mapAsync(GPUMapMode.READ);
  } catch (error) {
    throw await explainGpuFailure(device, error, `Timing (${buffer.label})`);
  }
}

/** Measures one work: warm-up, batching against the clock's resolution, samples, median and IQR. */
export async function measureWork(
  device: GPUDevice,
  work: GpuWork,
  options: MeasureOptions = {},
): Promise<Measurement> {
  requireDevice(device, 'measureWork');
  const { signal } = options;
  const started = now();
  const clockInfo = options.clockInfo ?? (await detectClock(device));
  const wanted = Math.max(1, options.samples ?? 10);
  const minSamples = Math.min(wanted, Math.max(1, options.minSamples ?? 3));
  const budgetMs = options.budgetMs ?? 2000;
  const maxRepetitions = Math.max(1, options.maxRepetitions ?? 1024);
  const targetMs = Math.max(
    targetSampleMs(clockInfo.resolutionMs, options.minSampleMs ?? 1),
    20 * clockInfo.overheadMs,
  );
  const spent = (): number => now() - started;

  for (let i = 0; i < (options.warmupRuns ?? 2); i++) {
    signal?.throwIfAborted();
    await runOnce(device, work);
  }

  const sampler = createSampler(device, work, clockInfo);
  const { sample } = sampler;
  try {
    // Pilot: grow the batch until one sample spans the target (a few rounds at most).
    const { repetitions } = await pilotRepetitions(sample, {
      targetMs,
      maxRepetitions,
      budgetLeftMs: () => budgetMs - spent(),
      signal,
    });

    const rawMs: number[] = [];
    for (let i = 0; i < wanted; i++) {
      signal?.throwIfAborted();
      if (i >= minSamples && spent() >= budgetMs) break;
      if (options.rotate) {
        await options.rotate(i);
        // Let the upload land before the sample: a pass's begin timestamp can be written while
        // the copy it waits on is still crossing the bus, which would count the copy as kernel
        // time (seen on the H200: T = 4096 measured 2x slower than T = 8192 without rotation).
        await device.queue.onSubmittedWorkDone();
      }
      signal?.throwIfAborted();
      const t0 = now();
      rawMs.push(await sample(repetitions));
      // Stop early when one more sample would overrun the budget.
      if (i + 1 >= minSamples && spent() + (now() - t0) > budgetMs) break;
    }
    // A lost device finishes "work" instantly: its samples are not timings.
    requireDevice(device, `Timing ${work.label}`);
    return {
      ...summarizeSamples(rawMs),
      clock: clockInfo.clock,
      clockResolutionMs: clockInfo.resolutionMs,
      repetitions,
      rawMs,
      elapsedMs: spent(),
    };
  } finally {
    sampler.destroy();
  }
}
