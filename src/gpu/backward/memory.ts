/**
 * GPU memory one training step holds (createAttentionTraining), from the forward's cost model and
 * what the backward creates beside it. The backward reuses the forward's buffers (its saved row
 * statistics or chunk states, the cumulative log-decays) and reads q and k themselves, applying
 * the feature map in its kernels; so phi(q), phi(k), which the forward's feature-map pass writes
 * where it runs, are held once, not again for the backward.
 */
import { stateBytesPerHead } from '../cost-terms.ts';
import { estimateCost, type CostEstimateOptions } from '../costs.ts';
import { FORM_SPECS, type TrainableForm } from '../forms/registry.ts';
import { resolveOptions, type AttentionShape } from '../types.ts';

const F32 = 4;

/**
 * The largest chunk size the backward takes: one chunk per 64-row tile (BACKWARD_TILE in plan.ts,
 * which this module does not import, to stay free of WGSL; a unit test holds them equal).
 */
export const BACKWARD_MAX_CHUNK_SIZE = 64;

/**
 * Bytes a training step of `form` holds, all heads: the forward's working memory (estimateCost:
 * inputs, output, saved statistics or chunk states, phi(q) and phi(k) where the pass runs, the
 * gate's cumulative log-decays), plus dL/dout, dq, dk, dv, and for the chunked forms the reverse
 * chunk states (as many as the forward's), 1/den and dden per row, dG per token, and gated, dL/dg
 * and one dG total per chunk (backward/linear.ts). softmax-flash's training forward saves (lse, D)
 * per row, the 8 bytes a row that the flash model already holds for (max, sum). The one-state
 * carries of the prefix scans and the uniform params are left out, as the forward model leaves
 * them out.
 */
export function trainingWorkingBytes(
  form: TrainableForm,
  shape: AttentionShape,
  options: CostEstimateOptions = {},
): number {
  const { heads: H, tokens: T, dim: d } = shape;
  const forward = estimateCost(form, shape, options).workingBytes;
  const gradients = 4 * H * T * d * F32;
  const family = FORM_SPECS[form].family;
  if (family === 'softmax') return forward + gradients;
  const chunks = Math.ceil(T / resolveOptions({ ...options, form }).chunkSize);
  const reverseStates = H * chunks * stateBytesPerHead(d);
  const rowStats = 2 * H * T * F32;
  const dG = H * T * F32;
  const gate = family === 'gated' ? H * T * F32 + H * chunks * F32 : 0;
  return forward + gradients + reverseStates + rowStats + dG + gate;
}

/** One buffer of a training step: its size and what it holds, as a sentence fragment. */
export interface TrainingBuffer {
  bytes: number;
  /** Which of the step's buffers it is (the capacity advice depends on it). */
  holds: 'tensors' | 'row statistics' | 'chunk states';
  /** "for each of q, k, v, the output and their gradients", "for the chunk states". */
  what: string;
}

/**
 * The largest single buffer createAttentionTraining creates, all heads in one buffer (the training
 * step does not split heads into groups as the forward engine does): q, k, v, the output, dL/dout,
 * dq, dk, dv (and phi(q), phi(k) where the forward's feature-map pass runs), H T d floats each;
 * for the chunked forms, the forward's and the reverse chunk states, H ceil(T / c) d (d + 1) floats
 * each, which outgrow the tensors wherever c <= d. The rest are smaller at every supported d:
 * (lse, D), 1/den and dden (2 H T floats), dG, g, its cumulative sums and dL/dg (H T), the dG
 * totals (H ceil(T / c)), the scans' carries (H d (d + 1)) and the uniform params (a few words).
 */
export function largestTrainingBuffer(
  form: TrainableForm,
  shape: AttentionShape,
  options: CostEstimateOptions = {},
): TrainingBuffer {
  const { heads: H, tokens: T, dim: d } = shape;
  const tensors: TrainingBuffer = {
    bytes: H * T * d * F32,
    holds: 'tensors',
    what: 'for each of q, k, v, the output and their gradients',
  };
  const rows: TrainingBuffer = {
    bytes: 2 * H * T * F32,
    holds: 'row statistics',
    what: 'for the row statistics',
  };
  const candidates = [tensors, rows];
  if (FORM_SPECS[form].family !== 'softmax') {
    const chunks = Math.ceil(T / resolveOptions({ ...options, form }).chunkSize);
    candidates.push({
      bytes: H * chunks * stateBytesPerHead(d),
      holds: 'chunk states',
      what: 'for the chunk states',
    });
  }
  return candidates.reduce((a, b) => (b.bytes > a.bytes ? b : a));
}
