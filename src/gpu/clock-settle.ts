/**
 * Clock settling: before a point is measured, make sure the GPU runs at the clock it reaches
 * under sustained load, by timing a fixed probe and loading the GPU until the probe is as fast as
 * it has been.
 *
 * Why: a GPU left mostly idle for a while (tiny kernels, the CPU writing inputs between samples)
 * lowers its clocks and raises them only after sustained load. A kernel timed in that state is
 * timed at the low clock, every sample alike, so nothing in the samples' spread shows it. On the
 * H200, sweep points that followed many short points measured several times slower than the same
 * kernels back to back (softmax-flash at 4,096 tokens: 6.75 ms in a sweep, 1.20 ms back to back).
 *
 * The probe is the timing spin kernel (dependent multiply-adds: its time is proportional to the
 * clock period and independent of memory). Its calibrated size makes one probe last at least
 * 50 clock quanta. The first call loads the GPU for `warmMs` whatever the probe says, to find the
 * fastest probe time; later calls probe once and load only while the probe is more than
 * `tolerance` slower than the fastest seen.
 */
import { requireDevice } from './guard.ts';
import { targetSampleMs } from './stats.ts';
import { createSampler, type ClockInfo } from './timing.ts';
import { createSpinWork } from './timing-spin.ts';
import type { GpuWork } from './types.ts';

export interface ClockSettleOptions {
  /** Invocations of the probe; default 4096 (one wave on any GPU: latency-bound). */
  elements?: number;
  /** The first settle loads the GPU this long (ms); default 1500. */
  warmMs?: number;
  /** Later settles give up after this long (ms); default 1500. */
  maxMs?: number;
  /** One load batch lasts about this long (ms); default 50. */
  loadMs?: number;
  /** A probe this much slower than the fastest seen means low clocks; default 0.05 (5 %). */
  tolerance?: number;
}

/** What one settle found. */
export interface ClockSettleResult {
  /** The first probe's time over the fastest probe seen (1 = full clock). */
  ratioBefore: number;
  /** The last probe's time over the fastest probe seen. */
  ratioAfter: number;
  /** Ms of load run to bring the clock up (0 when the first probe was within tolerance). */
  loadedMs: number;
  /** False when `maxMs` ran out before the probe came within tolerance. */
  settled: boolean;
}

export interface ClockSettler {
  settle(signal?: AbortSignal): Promise<ClockSettleResult>;
  /** Frees the probe's buffers. Idempotent. */
  destroy(): void;
}

const MAX_ITERATIONS = 2 ** 26;

const now = (): number => performance.now();

/** Calibrates a probe on `device` (a few short runs) and returns a settler that uses it. */
export async function createClockSettler(
  device: GPUDevice,
  clockInfo: ClockInfo,
  options: ClockSettleOptions = {},
): Promise<ClockSettler> {
  requireDevice(device, 'createClockSettler');
  const elements = options.elements ?? 4096;
  const warmMs = options.warmMs ?? 1500;
  const maxMs = options.maxMs ?? 1500;
  const loadMs = options.loadMs ?? 50;
  const tolerance = options.tolerance ?? 0.05;
  const targetMs = Math.max(targetSampleMs(clockInfo.resolutionMs, 2), 20 * clockInfo.overheadMs);

  let work: GpuWork | null = null;
  let sampler: ReturnType<typeof createSampler> | null = null;
  const release = (): void => {
    sampler?.destroy();
    work?.destroy();
    sampler = null;
    work = null;
  };

  // Calibration: grow the probe until one run spans the target.
  let iterations = 256;
  let probeMs = 0;
  for (;;) {
    release();
    work = createSpinWork(device, { elements, iterations });
    sampler = createSampler(device, work, clockInfo);
    await sampler.sample(1); // pipeline compiled, first touch
    probeMs = await sampler.sample(1);
    if (!(probeMs > 0) || !Number.isFinite(probeMs)) probeMs = 0;
    if (probeMs >= targetMs || iterations >= MAX_ITERATIONS) break;
    const grow = probeMs > 0 ? Math.min(16, Math.max(2, (1.2 * targetMs) / probeMs)) : 16;
    iterations = Math.min(MAX_ITERATIONS, Math.ceil(iterations * grow));
  }

  let best = Number.POSITIVE_INFINITY;
  let first = true;
  const probe = async (): Promise<number> => {
    const ms = await sampler!.sample(1);
    if (ms > 0 && Number.isFinite(ms)) best = Math.min(best, ms);
    return ms > 0 && Number.isFinite(ms) ? ms : Number.POSITIVE_INFINITY;
  };
  const load = async (): Promise<void> => {
    const reps = Math.max(1, Math.min(256, Math.ceil(loadMs / Math.max(probeMs, 1e-3))));
    const ms = await sampler!.sample(reps);
    if (ms > 0 && Number.isFinite(ms)) best = Math.min(best, ms);
  };

  return {
    async settle(signal) {
      if (!sampler) throw new Error('createClockSettler: the settler was destroyed.');
      const started = now();
      const warming = first;
      first = false;
      const before = await probe();
      const ratioBefore = before / best;
      let last = before;
      const limit = warming ? warmMs : maxMs;
      while (warming ? now() - started < limit : last / best > 1 + tolerance) {
        if (!warming && now() - started >= limit) break;
        signal?.throwIfAborted();
        await load();
        last = await probe();
      }
      const ratioAfter = last / best;
      return {
        ratioBefore: warming ? 1 : ratioBefore,
        ratioAfter,
        loadedMs: last === before && !warming ? 0 : now() - started,
        settled: ratioAfter <= 1 + tolerance,
      };
    },
    destroy: release,
  };
}

/** One line on what the clock settling found over a run's points. */
export function describeSettles(settles: readonly ClockSettleResult[]): string {
  const low = settles.filter((s) => s.loadedMs > 0);
  const worst = Math.max(...settles.map((s) => s.ratioBefore));
  const loaded = low.reduce((sum, s) => sum + s.loadedMs, 0);
  const unsettled = settles.filter((s) => !s.settled).length;
  return (
    `clock settle: ${low.length} of ${settles.length} points found the probe more than 5% slower ` +
    `than its fastest (worst ${worst.toFixed(2)}x) and loaded the GPU ${(loaded / 1000).toFixed(1)} s in all; ` +
    `${unsettled} point(s) started without settling`
  );
}
