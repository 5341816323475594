/**
 * Sweeps: context-length sweeps of the attention forms, a chunk-size search for linear-chunked,
 * and per-token decode time against position. Each yields one record per point as soon as it is
 * known (for a progress bar and a live chart), stays within a per-point and a per-sweep time
 * budget, stops a series where the next point would not fit the budget or the device's memory
 * (the record says which), and can be cancelled at any point, freeing its GPU buffers.
 */
import { formatBytes, formatMs } from './format.ts';
import { createResidentAttention } from './attention.ts';
import { estimateCost } from './costs.ts';
import type { AdapterSummary } from './device.ts';
import { CapacityError, DeviceLostError, ShapeError } from './errors.ts';
import { requireDevice, requireObject } from './guard.ts';
import { createDecodeWork } from './generation/index.ts';
import type { BenchRecord, BenchTask, RecordAdapter } from './records.ts';
import { predictNextMs, type SeriesPoint } from './stats.ts';
import { detectClock, measureWork, type ClockInfo, type ClockKind } from './timing.ts';
import { ATTENTION_FORMS, takesInput, takesOption } from './forms/registry.ts';
import {
  CHUNK_SIZES,
  DEFAULT_FEATURE_MAP,
  resolveOptions,
  type AttentionForm,
  type AttentionOptions,
  type AttentionShape,
  type DecodeKind,
  type FeatureMap,
  type GpuWork,
  type ResidentAttention,
} from './types.ts';

/** Creates a form's resident object; the sweep's default is the engine's own. */
export type AttentionFactory = (
  device: GPUDevice,
  shape: AttentionShape,
  options: AttentionOptions,
) => ResidentAttention | Promise<ResidentAttention>;

export interface DecodeWorkShape {
  kind: DecodeKind;
  heads: number;
  dim: number;
  /** Tokens already in the cache or folded into the state. */
  position: number;
}

/** Creates one decode step as resident work; the sweep's default is the engine's own. */
export type DecodeFactory = (
  device: GPUDevice,
  shape: DecodeWorkShape,
) => GpuWork | Promise<GpuWork>;

/** The device and what the records say about it (a `GpuReady` from `acquireGpu` fits). */
export interface SweepGpu {
  device: GPUDevice;
  info: AdapterSummary;
}

/** Throws a ShapeError unless `gpu` is {device, info}, a DeviceLostError if its device is lost. */
function requireSweepGpu(gpu: SweepGpu, caller: string): void {
  requireObject(gpu, caller, 'a GPU {device, info} (a ready outcome of acquireGpu)');
  requireDevice(gpu.device, caller);
}

/** Default context lengths: 2^7 to 2^17, doubling. */
export const DEFAULT_SWEEP_TOKENS: readonly number[] = Array.from(
  { length: 11 },
  (_, i) => 2 ** (7 + i),
);

export interface SweepCommon {
  /** Heads; default 12. */
  heads?: number;
  /** Head dimension; default 64. */
  dim?: number;
  /** Linear forms' feature map; default 'softplus'. */
  featureMap?: FeatureMap;
  /** Linear forms' normalizer; default true. */
  normalize?: boolean;
  /** Wall-clock ms one point may take; default 2000. */
  pointBudgetMs?: number;
  /** Ms the whole sweep may take, read from `budgetClock` (wall clock by default); default 120,000. */
  sweepBudgetMs?: number;
  /**
   * The ms clock `sweepBudgetMs` is measured with; default `performance.now` (wall clock). A page
   * that pauses a sweep between points passes one that stops while paused.
   */
  budgetClock?: () => number;
  /** Samples per point; default 10. */
  samples?: number;
  /** Inputs (q, k, v together) up to this size get fresh random values before every sample; default 64 MiB. */
  rotateBelowBytes?: number;
  /** Skip points whose working memory (all heads) exceeds this; default: no limit besides the device's. */
  memoryLimitBytes?: number;
  /** Force a clock; default 'auto' (GPU timestamps when present). */
  clock?: ClockKind | 'auto';
  /** A clock already measured on this device (saves the detection). */
  clockInfo?: ClockInfo;
  /** Stops the sweep; the generator then throws the signal's reason. */
  signal?: AbortSignal;
  /** Goes into every record; default: the browser's user agent, or "node vX / dawn". */
  runtime?: string;
  /** Injected for tests (a deterministic clock); default `measureWork`. */
  measure?: typeof measureWork;
}

export interface AttentionSweepOptions extends SweepCommon {
  /** Forms to time; default all five. */
  forms?: readonly AttentionForm[];
  /** Context lengths; default DEFAULT_SWEEP_TOKENS. */
  tokens?: readonly number[];
  /** linear-chunked's chunk size; default 64. */
  chunkSize?: number;
  /** Injected for tests; default `createResidentAttention` from attention.ts. */
  createAttention?: AttentionFactory;
}

export interface ChunkSearchOptions extends SweepCommon {
  /** A form that takes a chunk size; default 'linear-chunked'. */
  form?: AttentionForm;
  /** The context length to search at. */
  tokens: number;
  /** Chunk sizes to try; default 16, 32, 64, 128, 256. */
  chunkSizes?: readonly number[];
  createAttention?: AttentionFactory;
}

export interface DecodeSweepOptions extends SweepCommon {
  /** Decoder kinds; default both. */
  kinds?: readonly DecodeKind[];
  /** Positions; default DEFAULT_SWEEP_TOKENS. */
  positions?: readonly number[];
  /** Injected for tests; default `createDecodeWork` from generation/index.ts. */
  createDecode?: DecodeFactory;
}

export interface SweepProgress {
  /** Points finished (measured or skipped), including this one. */
  done: number;
  total: number;
}

/** One finished point. */
export interface SweepEvent {
  record: BenchRecord;
  progress: SweepProgress;
}

/** Runs a point needs at least: 2 warm-up, 1 pilot, 3 samples (see timing.ts). */
const MIN_RUNS_PER_POINT = 6;

const defaultAttentionFactory: AttentionFactory = createResidentAttention;

const defaultDecodeFactory: DecodeFactory = createDecodeWork;

/** One point to run: everything the shared loop needs, independent of what is timed. */
interface PointPlan {
  /** Points of one series share a prediction (same form and options, growing tokens). */
  series: string;
  tokens: number;
  /** The record without the measured fields. */
  base: Omit<BenchRecord, MeasuredField>;
  /** FLOPs of one run (cost model). */
  flops: number;
  /** A reason to skip before allocating anything, or null. */
  capacity: string | null;
  /** Bytes of q, k, v together (0 when the work has no writable inputs). */
  inputBytes: number;
  create(): Promise<GpuWork>;
}

type MeasuredField =
  | 'medianMs'
  | 'p25Ms'
  | 'p75Ms'
  | 'iqrMs'
  | 'samples'
  | 'repetitions'
  | 'gflops'
  | 'clock'
  | 'clockResolutionMs'
  | 'date'
  | 'status'
  | 'reason'
  | 'adapter'
  | 'runtime';

/** Times every form at every context length, context length by context length. */
export async function* sweepAttention(
  gpu: SweepGpu,
  options: AttentionSweepOptions = {},
): AsyncGenerator<SweepEvent> {
  requireSweepGpu(gpu, 'sweepAttention');
  const forms = options.forms ?? ATTENTION_FORMS;
  const tokens = [...(options.tokens ?? DEFAULT_SWEEP_TOKENS)].sort((a, b) => a - b);
  const plans: PointPlan[] = [];
  for (const t of tokens) {
    for (const form of forms) {
      plans.push(
        planAttention(gpu, options, 'forward', form, t, options.chunkSize, options.createAttention),
      );
    }
  }
  yield* runPlans(gpu, plans, options);
}

/** Times a chunked form at one context length for each chunk size. See `pickFastest`. */
export async function* searchChunkSize(
  gpu: SweepGpu,
  options: ChunkSearchOptions,
): AsyncGenerator<SweepEvent> {
  requireSweepGpu(gpu, 'searchChunkSize');
  requireObject(options, 'searchChunkSize', 'options {tokens, ...}');
  const form = options.form ?? 'linear-chunked';
  if (!takesOption(form, 'chunkSize')) {
    throw new ShapeError(`${form} takes no chunk size, so there is none to search.`);
  }
  const plans = (options.chunkSizes ?? CHUNK_SIZES).map((c) =>
    planAttention(gpu, options, 'chunk-search', form, options.tokens, c, options.createAttention),
  );
  yield* runPlans(gpu, plans, options);
}

/** Times one decode step against position, for a KV cache and a recurrent state. */
export async function* sweepDecode(
  gpu: SweepGpu,
  options: DecodeSweepOptions = {},
): AsyncGenerator<SweepEvent> {
  requireSweepGpu(gpu, 'sweepDecode');
  const kinds = options.kinds ?? (['kv-cache', 'state'] as const);
  const positions = [...(options.positions ?? DEFAULT_SWEEP_TOKENS)].sort((a, b) => a - b);
  const heads = options.heads ?? 12;
  const dim = options.dim ?? 64;
  const create = options.createDecode ?? defaultDecodeFactory;
  const plans: PointPlan[] = [];
  for (const position of positions) {
    for (const kind of kinds) {
      const linear = kind !== 'kv-cache';
      const featureMap = options.featureMap ?? DEFAULT_FEATURE_MAP;
      const normalize = options.normalize ?? true;
      plans.push({
        series: `decode/${kind}`,
        tokens: position,
        base: {
          task: 'decode',
          form: kind,
          featureMap: linear ? featureMap : null,
          normalize: linear ? normalize : null,
          heads,
          tokens: position,
          dim,
          chunkSize: null,
        },
        // Known only from the work itself (it carries its cost model's FLOPs).
        flops: Number.NaN,
        capacity: null,
        inputBytes: 0,
        create: async () => create(gpu.device, { kind, heads, dim, position }),
      });
    }
  }
  yield* runPlans(gpu, plans, options);
}

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

function planAttention(
  gpu: SweepGpu,
  common: SweepCommon,
  task: BenchTask,
  form: AttentionForm,
  tokens: number,
  chunkSize: number | undefined,
  factory: AttentionFactory | undefined,
): PointPlan {
  const shape: AttentionShape = {
    heads: common.heads ?? 12,
    tokens,
    dim: common.dim ?? 64,
  };
  const resolved = resolveOptions({
    form,
    featureMap: common.featureMap,
    normalize: common.normalize,
    chunkSize,
  });
  // Only the options the form reads: the rest would be noise in its records.
  const featureMap = takesOption(form, 'featureMap') ? resolved.featureMap : null;
  const normalize = takesOption(form, 'normalize') ? resolved.normalize : null;
  const chunk = takesOption(form, 'chunkSize') ? resolved.chunkSize : null;
  const options: AttentionOptions = {
    form,
    ...(featureMap === null ? {} : { featureMap }),
    ...(normalize === null ? {} : { normalize }),
    ...(chunk === null ? {} : { chunkSize: chunk }),
  };
  const cost = estimateCost(form, shape, options);
  const create = factory ?? defaultAttentionFactory;
  return {
    series: `${task}/${form}/${chunk ?? ''}`,
    tokens,
    base: {
      task,
      form,
      featureMap,
      normalize,
      heads: shape.heads,
      tokens,
      dim: shape.dim,
      chunkSize: chunk,
    },
    flops: cost.flops,
    capacity: capacityReason(cost, gpu.device.limits, common.memoryLimitBytes),
    inputBytes: 3 * shape.heads * shape.tokens * shape.dim * 4,
    create: async () => {
      const resident = await create(gpu.device, shape, options);
      try {
        // Never time on zeros: random inputs first, whatever the factory left in the buffers.
        const n = shape.heads * shape.tokens * shape.dim;
        resident.write(randomInputs(n), randomInputs(n), randomInputs(n), logDecayFor(form, shape));
      } catch (error) {
        resident.destroy();
        throw error;
      }
      return resident;
    },
  };
}

/**
 * Why a shape cannot run on this device, from the cost model, or null: the largest buffer of one
 * head must fit one storage binding and one buffer, and all heads' working memory the given cap.
 */
export function capacityReason(
  cost: { largestPerHeadBytes: number; workingBytes: number },
  limits: Pick<GPUSupportedLimits, 'maxStorageBufferBindingSize' | 'maxBufferSize'>,
  memoryLimitBytes = Number.POSITIVE_INFINITY,
): string | null {
  const perBuffer = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  if (cost.largestPerHeadBytes > perBuffer) {
    return `needs ${formatBytes(cost.largestPerHeadBytes)} in one buffer; this device allows ${formatBytes(perBuffer)}`;
  }
  if (cost.workingBytes > memoryLimitBytes) {
    return `needs ${formatBytes(cost.workingBytes)} of GPU memory; the limit is ${formatBytes(memoryLimitBytes)}`;
  }
  return null;
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

async function* runPlans(
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

/** Two sets of random inputs, written alternately before each sample. */
function createRotation(resident: ResidentAttention): (sample: number) => void {
  const { shape } = resident;
  const n = shape.heads * shape.tokens * shape.dim;
  const sets = [0, 1].map(
    () =>
      [
        randomInputs(n),
        randomInputs(n),
        randomInputs(n),
        logDecayFor(resident.options.form, shape),
      ] as const,
  );
  return (sample) => {
    const [q, k, v, logDecay] = sets[sample % 2]!;
    resident.write(q, k, v, logDecay);
  };
}

/** Random log-decays for a form that reads them (see randomLogDecays), else undefined. */
function logDecayFor(form: AttentionForm, shape: AttentionShape): Float32Array | undefined {
  return takesInput(form, 'logDecay') ? randomLogDecays(shape.heads * shape.tokens) : undefined;
}

/**
 * n log-decays g_t = log(a_t) with a_t uniform in [0.9, 1): decays as trained gated models keep
 * them (a state that forgets over tens to thousands of tokens). The kernels' work does not depend
 * on the values.
 */
export function randomLogDecays(n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.log(1 - 0.1 * Math.random());
  return out;
}

const RANDOM_BLOCK = 1 << 20;

/**
 * n uniform values in [-1, 1] (float32 rounding may reach 1). Beyond 2^20 values the first block repeats, rotated by a random
 * offset each time, which keeps a 1 GiB input from costing seconds of Math.random; such inputs
 * far exceed any cache, and the values stay random-looking and never zero.
 */
export function randomInputs(n: number): Float32Array {
  const out = new Float32Array(n);
  const fresh = Math.min(n, RANDOM_BLOCK);
  for (let i = 0; i < fresh; i++) out[i] = Math.random() * 2 - 1;
  for (let at = fresh; at < n; at += fresh) {
    // The fresh block rotated by a random offset: [offset, fresh) then [0, offset).
    const length = Math.min(fresh, n - at);
    const offset = Math.floor(Math.random() * fresh);
    const head = Math.min(length, fresh - offset);
    out.copyWithin(at, offset, offset + head);
    if (head < length) out.copyWithin(at + head, 0, length - head);
  }
  return out;
}

/** "Mozilla/5.0 ..." in a page, "node v20.20.2 / dawn" under Node. */
export function describeRuntime(): string {
  const node = typeof process !== 'undefined' ? process.versions?.node : undefined;
  if (node) return `node v${node} / dawn`;
  const nav = (globalThis as { navigator?: { userAgent?: string } }).navigator;
  return nav?.userAgent ?? 'unknown runtime';
}
