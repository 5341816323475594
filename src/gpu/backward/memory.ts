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
