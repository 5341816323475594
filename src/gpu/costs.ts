/**
 * Cost models for each form (the article's Table 1): FLOPs (a multiply-add counts 2),
 * the minimum bytes a run must move, and the memory it keeps on the GPU. Used by charts, the
 * capacity check and the achieved-GFLOP/s column of the benchmark.
 */
import { FORM_SPECS } from './forms/registry.ts';
import {
  resolveOptions,
  type AttentionForm,
  type AttentionOptions,
  type AttentionShape,
} from './types.ts';
import { requireObject } from './guard.ts';

export { causalPairs } from './cost-terms.ts';

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

/**
 * FLOPs, bytes and memory of `form` for a shape, from the form's own model (its FormSpec). The
 * feature map's own cost is left out.
 */
export function estimateCost(
  form: AttentionForm,
  shape: AttentionShape,
  options: Omit<AttentionOptions, 'form'> = {},
): CostEstimate {
  requireObject(shape, 'estimateCost', 'a shape {heads, tokens, dim}');
  const resolved = resolveOptions({ form, ...options });
  const chunkSize = Math.min(resolved.chunkSize, shape.tokens);
  const head = FORM_SPECS[form].cost(shape, { ...resolved, chunkSize });
  return {
    flops: shape.heads * head.flops,
    bytesMoved: shape.heads * head.bytesMoved,
    workingBytes: shape.heads * head.workingBytes,
    largestPerHeadBytes: head.largestPerHeadBytes,
  };
}

/** The context length where the state form's FLOPs drop below the attention form's (about 2d). */
export function theoreticalCrossover(dim: number): number {
  // 4 d T(T+1)/2 = T (4 d^2 + 4 d)  =>  T + 1 = 2 d + 2
  return 2 * dim + 1;
}
