/**
 * Shapes, options and the contracts every kernel family and the timing code agree on.
 * Inputs are row-major Float32Arrays laid out [heads][tokens][dim]; attention is causal (j <= i).
 */

import type { AttentionForm } from './forms/ids.ts';

/** The ways the engine computes causal attention (each described in forms/registry.ts). */
export { ATTENTION_FORMS, type AttentionForm } from './forms/ids.ts';

/** Feature maps phi for linear attention, applied elementwise to queries and keys. */
export const FEATURE_MAPS = ['identity', 'softplus', 'elu1'] as const;
export type FeatureMap = (typeof FEATURE_MAPS)[number];

/** Head dimensions the kernels support. */
export const SUPPORTED_DIMS = [16, 32, 64, 128] as const;
/** Chunk sizes `linear-chunked` supports (powers of two). */
export const CHUNK_SIZES = [16, 32, 64, 128, 256] as const;
/** The chunk size used when none is given (flash-linear-attention's default too). */
export const DEFAULT_CHUNK_SIZE = 64;
/** The feature map when none is given (the source post's choice). */
export const DEFAULT_FEATURE_MAP: FeatureMap = 'softplus';
/** Added to the linear-attention denominator. */
export const NORMALIZER_EPS = 1e-6;

export interface AttentionShape {
  /** Independent heads, >= 1. */
  heads: number;
  /** Context length T, any integer >= 1. */
  tokens: number;
  /** Head dimension d: one of SUPPORTED_DIMS. */
  dim: number;
}

export interface AttentionProblem extends AttentionShape {
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  /**
   * Gated forms only (their spec's `inputs` lists it): the log-decays g_t, [heads][tokens], each
   * finite and <= 0; token t multiplies the state by exp(g_t) before adding its own k_t v_t^T.
   * Other forms ignore it.
   */
  logDecay?: Float32Array;
}

export interface AttentionOptions {
  form: AttentionForm;
  /** Linear forms only; default 'softplus' (the source post's choice). */
  featureMap?: FeatureMap;
  /** Linear forms only; divide by sum_j phi(q_i).phi(k_j) + 1e-6. Default true. */
  normalize?: boolean;
  /** linear-chunked only; default 64. */
  chunkSize?: number;
}

export type ResolvedOptions = Required<AttentionOptions>;

/** Fills in the defaults. Each form reads only the options its spec lists (forms/registry.ts). */
export function resolveOptions(options: AttentionOptions): ResolvedOptions {
  return {
    form: options.form,
    featureMap: options.featureMap ?? DEFAULT_FEATURE_MAP,
    normalize: options.normalize ?? true,
    chunkSize: options.chunkSize ?? DEFAULT_CHUNK_SIZE,
  };
}

/** Where a unit of work should write GPU timestamps: begin of its first pass, end of its last. */
export interface TimestampTarget {
  querySet: GPUQuerySet;
  beginIndex: number;
  endIndex: number;
}

/**
 * A unit of GPU work the timing code can run many times: inputs stay resident, nothing is
 * uploaded or read back by `encode`.
 */
export interface GpuWork {
  /** e.g. "attention/softmax-flash H=12 T=4096 d=64". */
  readonly label: string;
  /** FLOPs of one run, from the cost model (multiply-add = 2). */
  readonly flops: number;
  /** Encodes one complete run (possibly several bounded dispatches) into the encoder. */
  encode(encoder: GPUCommandEncoder, timestamps?: TimestampTarget): void;
  /** Frees every GPU buffer the work created. Idempotent. */
  destroy(): void;
}

/** One attention form created once for a shape and run many times (for timing). */
export interface ResidentAttention extends GpuWork {
  readonly shape: AttentionShape;
  readonly options: ResolvedOptions;
  /** Replaces the inputs (same shape) without reallocating; gated forms also need `logDecay`. */
  write(q: Float32Array, k: Float32Array, v: Float32Array, logDecay?: Float32Array): void;
  /** Submits one run and resolves when the GPU has finished it. */
  run(): Promise<void>;
  /** Copies the output [heads][tokens][dim] back to the CPU. */
  read(): Promise<Float32Array>;
}

/**
 * Single-token generation: a softmax KV cache, a linear-attention recurrent state, or a gated one
 * (the state decays by exp(g) at each token).
 */
export type DecodeKind = 'kv-cache' | 'state' | 'gated-state';

export interface DecodeShape {
  kind: DecodeKind;
  heads: number;
  dim: number;
  /** Linear state only; defaults as in AttentionOptions. */
  featureMap?: FeatureMap;
  normalize?: boolean;
}

/**
 * Feeds tokens one at a time. For 'kv-cache' the cost of a step grows with the position; for
 * 'state' it does not.
 */
export interface Decoder {
  readonly shape: DecodeShape;
  /** Tokens fed so far. */
  readonly position: number;
  /**
   * Appends one token (q, k, v each [heads][dim]; for 'gated-state' also its log-decays g,
   * [heads], each finite and <= 0) and returns its output [heads][dim].
   */
  step(
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
    logDecay?: Float32Array,
  ): Promise<Float32Array>;
  destroy(): void;
}
