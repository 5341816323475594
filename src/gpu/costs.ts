/**
 * Cost models for each form (shared/reference/algorithms.md): FLOPs (a multiply-add counts 2),
 * the minimum bytes a run must move, and the memory it keeps on the GPU. Used by charts, the
 * capacity check and the achieved-GFLOP/s column of the benchmark.
 */
import {
  resolveOptions,
  type AttentionForm,
  type AttentionOptions,
  type AttentionShape,
} from './types.ts';

const F32 = 4;

export interface CostEstimate {
  /** Floating-point operations of one run, all heads. */
  flops: number;
  /** Minimum bytes read and written from GPU memory in one run, all heads. */
  bytesMoved: number;
  /** GPU memory the form holds during a run (inputs, output and intermediates), all heads. */
  workingBytes: number;
  /** The largest single buffer for one head: what must fit in one storage binding. */
  largestPerHeadBytes: number;
}

/** Causal (query, key) pairs: T (T + 1) / 2. */
export function causalPairs(tokens: number): number {
  return (tokens * (tokens + 1)) / 2;
}

/** FLOPs, bytes and memory of `form` for a shape. The feature map's own cost is left out. */
export function estimateCost(
  form: AttentionForm,
  shape: AttentionShape,
  options: Omit<AttentionOptions, 'form'> = {},
): CostEstimate {
  const { heads: H, tokens: T, dim: d } = shape;
  const c = Math.min(resolveOptions({ form, ...options }).chunkSize, T);
  const pairs = causalPairs(T);
  const io = 4 * T * d * F32; // q, k, v in and y out, per head
  const state = d * (d + 1) * F32; // S (d x d) and the normaliser z (d), per head
  const chunks = Math.ceil(T / c);
  let flops: number;
  let moved = io;
  let working = io;
  let largest = T * d * F32;
  switch (form) {
    case 'softmax-naive':
      // Q K^T and P V over the causal half; the T x T score matrix is written and read back.
      flops = 4 * d * pairs;
      moved += 2 * T * T * F32;
      working += T * T * F32;
      largest = T * T * F32;
      break;
    case 'softmax-flash':
      flops = 4 * d * pairs;
      // Each row's running (max, sum), kept between dispatches when long rows are split.
      working += T * 2 * F32;
      break;
    case 'linear-attention':
      flops = 4 * d * pairs;
      break;
    case 'linear-recurrent':
      // S += phi(k) v^T and y = phi(q) S: 2 d^2 each per token, plus the normaliser's 4 d.
      flops = T * (4 * d * d + 4 * d);
      working += state;
      break;
    case 'linear-chunked':
      // Per token: its share of K_b^T V_b and phi(q) S_b (4 d^2); inside its chunk, the causal
      // pairs of the attention form (4 d per pair); per chunk, the prefix over states (d^2 adds).
      flops = T * (4 * d * d + 4 * d) + 4 * d * chunks * causalPairs(c) + chunks * d * (d + 1);
      moved += 2 * chunks * state;
      working += chunks * state;
      largest = Math.max(largest, chunks * state);
      break;
  }
  return {
    flops: H * flops,
    bytesMoved: H * moved,
    workingBytes: H * working,
    largestPerHeadBytes: largest,
  };
}

/** The context length where the state form's FLOPs drop below the attention form's (about 2d). */
export function theoreticalCrossover(dim: number): number {
  // 4 d T(T+1)/2 = T (4 d^2 + 4 d)  =>  T + 1 = 2 d + 2
  return 2 * dim + 1;
}
