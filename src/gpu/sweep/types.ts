/**
 * What a sweep is given and what it yields: the options of each kind of sweep, the events, and
 * the plan of one point (the contract between plans.ts, which builds plans, and runner.ts, which
 * runs them).
 */
import type { AdapterSummary } from '../device.ts';
import type { ClockSettler, ClockSettleResult } from '../clock-settle.ts';
import type { BenchRecord } from '../records.ts';
import type { measureWork, ClockInfo, ClockKind } from '../timing.ts';
import type {
  AttentionForm,
  AttentionOptions,
  AttentionShape,
  DecodeKind,
  FeatureMap,
  GpuWork,
  ResidentAttention,
} from '../types.ts';

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
  /**
   * Skip points whose working memory (all heads) exceeds this; default: no limit besides the
   * device's, except a training step, which is held to the engine's DEFAULT_MEMORY_CAP_BYTES as
   * createResidentAttention holds a forward point (this value, given, replaces it).
   */
  memoryLimitBytes?: number;
  /** Force a clock; default 'auto' (GPU timestamps when present). */
  clock?: ClockKind | 'auto';
  /**
   * Settles the GPU's clocks before every point (see clock-settle.ts); the bench passes one, the
   * widgets do not. `onClockSettle` hears what each settle found.
   */
  clockSettler?: ClockSettler;
  onClockSettle?: (plan: PointPlan, result: ClockSettleResult) => void;
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
  /** A chunk size per form, where one differs from `chunkSize` (each chunked form's own best). */
  chunkSizeByForm?: Partial<Record<AttentionForm, number>>;
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

/** One point to run: everything the shared loop needs, independent of what is timed. */
export interface PointPlan {
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

export type MeasuredField =
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
  | 'limits'
  | 'runtime';
