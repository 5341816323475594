/**
 * The sweep runner: measures plans one point at a time, yielding one record per point as soon as
 * it is known, within a per-point and a per-sweep time budget; stops a series where the next
 * point would not fit the budget or the device's memory (the record says which); can be cancelled
 * at any point, freeing its GPU buffers.
 */
import { CapacityError, DeviceLostError } from '../errors.ts';
import { formatBytes, formatMs } from '../format.ts';
import type { BenchRecord, RecordAdapter, RecordLimits } from '../records.ts';
import { predictNextMs, type SeriesPoint } from '../stats.ts';
import { detectClock, measureWork } from '../timing.ts';
import type { GpuWork, ResidentAttention } from '../types.ts';
import { createRotation } from './inputs.ts';
import type { PointPlan, SweepCommon, SweepEvent, SweepGpu } from './types.ts';

/** Runs a point needs at least: 2 warm-up, 1 pilot, 3 samples (see timing.ts). */
const MIN_RUNS_PER_POINT = 6;

/** The fastest measured record, or null when none was measured. */
export function pickFastest(records: readonly BenchRecord[]): BenchRecord | null {
  let best: BenchRecord | null = null;
  for (const r of records) {
    if (r.status !== 'ok' || r.medianMs === null) continue;
    if (!best || r.medianMs < (best.medianMs ?? Number.POSITIVE_INFINITY)) best = r;
  }
  return best;
}

/** Drains a sweep into an array, calling `onEvent` for each point as it comes. */
export async function collectSweep(
  events: AsyncIterable<SweepEvent>,
  onEvent?: (event: SweepEvent) => void,
): Promise<BenchRecord[]> {
  const records: BenchRecord[] = [];
  for await (const event of events) {
    records.push(event.record);
    onEvent?.(event);
  }
  return records;
}

/**
 * Why a point should not be started given its predicted time per run, or null. A point needs at
 * least MIN_RUNS_PER_POINT runs; it must fit the point budget and what is left of the sweep's.
 */
export function budgetReason(
  predictedMs: number | null,
  pointBudgetMs: number,
  sweepLeftMs: number,
): string | null {
  if (sweepLeftMs <= 0) return 'sweep time budget spent';
  if (predictedMs === null) return null;
  const needed = predictedMs * MIN_RUNS_PER_POINT;
  if (needed > pointBudgetMs) {
    return `predicted ${formatMs(predictedMs)} per run; the point budget is ${formatMs(pointBudgetMs)}`;
  }
  if (needed > sweepLeftMs) {
    return `predicted ${formatMs(predictedMs)} per run; ${formatMs(sweepLeftMs)} of the sweep budget left`;
  }
  return null;
}

export async function* runPlans(
  gpu: SweepGpu,
  plans: readonly PointPlan[],
  common: SweepCommon,
): AsyncGenerator<SweepEvent> {
  const { device } = gpu;
  const { signal } = common;
  const budgetNow = common.budgetClock ?? (() => performance.now());
  const started = budgetNow();
  const pointBudgetMs = common.pointBudgetMs ?? 2000;
  const sweepBudgetMs = common.sweepBudgetMs ?? 120_000;
  const rotateBelow = common.rotateBelowBytes ?? 64 * 2 ** 20;
  const adapter: RecordAdapter = {
    vendor: gpu.info.vendor,
    architecture: gpu.info.architecture,
    description: gpu.info.description,
    isFallbackAdapter: gpu.info.isFallbackAdapter,
  };
  const limits: RecordLimits = {
    maxComputeWorkgroupStorageSize: device.limits.maxComputeWorkgroupStorageSize,
    maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
    maxBufferSize: device.limits.maxBufferSize,
  };
  const runtime = common.runtime ?? describeRuntime();
  signal?.throwIfAborted();
  const clockInfo = common.clockInfo ?? (await detectClock(device, common.clock ?? 'auto'));
  const measured = new Map<string, SeriesPoint[]>();
  /** Series stopped by a failure at run time (out of memory), with the reason for the rest. */
  const stopped = new Map<string, string>();
  let done = 0;

  for (const plan of plans) {
    signal?.throwIfAborted();
    const empty = {
      ...plan.base,
      medianMs: null,
      p25Ms: null,
      p75Ms: null,
      iqrMs: null,
      samples: 0,
      repetitions: 0,
      rounds: 0,
      roundsMs: [],
      spread: null,
      gflops: null,
      clock: clockInfo.clock,
      clockResolutionMs: clockInfo.resolutionMs,
      adapter,
      limits,
      runtime,
    };
    const finish = (record: BenchRecord): SweepEvent => ({
      record,
      progress: { done: ++done, total: plans.length },
    });
    const skip = (status: 'skipped' | 'error', reason: string): SweepEvent =>
      finish({ ...empty, date: new Date().toISOString(), status, reason });

    const points = measured.get(plan.series) ?? [];
    const leftMs = sweepBudgetMs - (budgetNow() - started);
    const reason =
      plan.capacity ??
      stopped.get(plan.series) ??
      budgetReason(predictNextMs(points, plan.tokens), pointBudgetMs, leftMs);
    if (reason) {
      yield skip('skipped', reason);
      continue;
    }

    let work: GpuWork | null = null;
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    let outcome: { ok: true; record: BenchRecord } | { ok: false; thrown: unknown };
    try {
      work = await plan.create();
      const resident = work as Partial<ResidentAttention>;
      const rotate =
        plan.inputBytes > 0 && plan.inputBytes <= rotateBelow && resident.write && resident.shape
          ? createRotation(resident as ResidentAttention)
          : undefined;
      if (common.clockSettler) {
        common.onClockSettle?.(plan, await common.clockSettler.settle(signal));
      }
      const m = await (common.measure ?? measureWork)(device, work, {
        clockInfo,
        samples: common.samples ?? 10,
        budgetMs: Math.min(pointBudgetMs, Math.max(leftMs, 0)),
        ...(rotate ? { rotate } : {}),
        ...(signal ? { signal } : {}),
      });
      const flops = Number.isNaN(plan.flops) ? work.flops : plan.flops;
      const ok = m.samples > 0;
      outcome = {
        ok: true,
        record: {
          ...empty,
          medianMs: ok ? m.medianMs : null,
          p25Ms: ok ? m.p25Ms : null,
          p75Ms: ok ? m.p75Ms : null,
          iqrMs: ok ? m.iqrMs : null,
          samples: m.samples,
          repetitions: m.repetitions,
          // One sweep is one round; rounds.ts combines several.
          rounds: ok ? 1 : 0,
          roundsMs: ok ? [m.medianMs] : [],
          gflops: ok ? flops / (m.medianMs * 1e6) : null,
          date: new Date().toISOString(),
          status: ok ? 'ok' : 'error',
          reason: ok ? null : `all ${m.rawMs.length} samples were nonsensical (clock read zero)`,
        },
      };
    } catch (thrown) {
      outcome = { ok: false, thrown };
    } finally {
      work?.destroy();
    }
    const validation = await device.popErrorScope();
    const oom = await device.popErrorScope();

    if (!outcome.ok) {
      const { thrown } = outcome;
      if (signal?.aborted) throw signal.reason;
      // A lost device ends the sweep: every later point would fail the same way.
      if (thrown instanceof DeviceLostError) throw thrown;
      if (thrown instanceof CapacityError) {
        const why = `needs ${formatBytes(thrown.bytesNeeded)}; this device allows ${formatBytes(thrown.limitBytes)}`;
        stopped.set(plan.series, `a smaller context length already ${why}`);
        yield skip('skipped', why);
        continue;
      }
      if (oom) {
        stopped.set(plan.series, `a smaller context length already ran out of GPU memory`);
        yield skip('skipped', `ran out of GPU memory (${oom.message})`);
        continue;
      }
      const message = thrown instanceof Error ? thrown.message : String(thrown);
      yield skip('error', validation ? `${message} (${validation.message})` : message);
      continue;
    }
    if (oom) {
      stopped.set(plan.series, `a smaller context length already ran out of GPU memory`);
      yield skip('skipped', `ran out of GPU memory (${oom.message})`);
      continue;
    }
    if (validation) {
      yield skip('error', `GPU validation error: ${validation.message}`);
      continue;
    }
    const { record } = outcome;
    if (record.status === 'ok' && record.medianMs !== null) {
      measured.set(plan.series, [...points, { tokens: plan.tokens, ms: record.medianMs }]);
    }
    yield finish(record);
  }
}

/** "Mozilla/5.0 ..." in a page, "node v20.20.2 / dawn" under Node. */
export function describeRuntime(): string {
  const node = typeof process !== 'undefined' ? process.versions?.node : undefined;
  if (node) return `node v${node} / dawn`;
  const nav = (globalThis as { navigator?: { userAgent?: string } }).navigator;
  return nav?.userAgent ?? 'unknown runtime';
}
