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
import { WEBGPU_DEFAULT_WORKGROUP_STORAGE_BYTES } from './limits.ts';

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

/** The options estimateCost reads: the form's options, and the device's workgroup memory. */
export interface CostEstimateOptions extends Omit<AttentionOptions, 'form'> {
  /**
   * The device's maxComputeWorkgroupStorageSize in bytes, which decides whether linear-chunked
   * and gated-chunked run the feature-map pass (they do not where the whole-tile output kernel
   * fits: 48 KiB at d = 64). Default WEBGPU_DEFAULT_WORKGROUP_STORAGE_BYTES (16 KiB), every
   * device's minimum, so that without a device the estimate is the upper bound.
   */
  workgroupStorageBytes?: number;
}

/**
 * FLOPs, bytes and memory of `form` for a shape, from the form's own model (its FormSpec), on a
 * device with `options.workgroupStorageBytes` of workgroup memory. Bytes moved and working memory
 * count phi(q) and phi(k), the two T x d float32 buffers per head that the feature-map pass writes
 * where a form runs it: the recurrent forms for every feature map but the identity, the chunked
 * forms likewise where the sliced output kernel runs (form-costs.ts); linear-chunked-f16's own
 * pass and f16 copies are in its model. The feature map's own arithmetic (the pass's, or the
 * kernels' where they map as they stage) is left out of the FLOPs.
 */
export function estimateCost(
  form: AttentionForm,
  shape: AttentionShape,
  options: CostEstimateOptions = {},
): CostEstimate {
  requireObject(shape, 'estimateCost', 'a shape {heads, tokens, dim}');
  const resolved = resolveOptions({ ...options, form });
  const head = FORM_SPECS[form].cost(shape, {
    ...resolved,
    workgroupStorageBytes: options.workgroupStorageBytes ?? WEBGPU_DEFAULT_WORKGROUP_STORAGE_BYTES,
  });
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
