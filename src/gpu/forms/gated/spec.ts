/**
 * The gated family: linear attention whose state decays by a_t = exp(g_t) <= 1 at every token,
 *   y_i = sum_{j<=i} exp(g_{j+1} + ... + g_i) (phi(q_i) . phi(k_j)) v_j
 * (normalised as the linear family when asked): the scalar gate of RetNet (a constant decay per
 * head), GLA and Mamba-2's SSD (a decay per token). Same feature maps and options as the linear
 * family; one more input, the log-decays g_t.
 */
import { causalPairs, ioBytesPerHead, stateBytesPerHead } from '../../cost-terms.ts';
import { defineForm, headCost, type FormFamilyBase } from '../spec.ts';
import {
  chunkedKernelParts,
  chunkedRunsFeatureMapPass,
  recurrentRunsFeatureMapPass,
  withFeatureMapPass,
} from '../form-costs.ts';
import { createGatedChunked } from './chunked.ts';
import { createGatedRecurrent } from './recurrent.ts';
import { referenceGatedAttention } from './reference.ts';

const F32 = 4;

const GATED: FormFamilyBase = { family: 'gated', reference: referenceGatedAttention };

/** q, k, v, y and the log-decays of one head. */
function gatedIoBytes(T: number, d: number): number {
  return ioBytesPerHead(T, d) + T * F32;
}

export const gatedRecurrent = defineForm('gated-recurrent', 'Gated linear, recurrent form', GATED, {
  charted: false,
  look: { colour: '#3d8b37', width: 2.25, dash: '4 2' },
  schedule: 'recurrent',
  factory: createGatedRecurrent,
  // The ungated recurrence's T (4 d^2 + 4 d), plus decaying S and z: d^2 + d per token; and
  // linear-recurrent's feature-map pass.
  cost: ({ tokens: T, dim: d }, options) =>
    headCost(
      T,
      d,
      withFeatureMapPass(
        { flops: T * (5 * d * d + 5 * d), held: stateBytesPerHead(d), io: gatedIoBytes(T, d) },
        T,
        d,
        recurrentRunsFeatureMapPass(options),
      ),
    ),
});

export const gatedChunked = defineForm('gated-chunked', 'Gated linear, chunked form', GATED, {
  trainable: true,
  look: { colour: '#8a6d00', width: 2.25, dash: '1 3' },
  schedule: 'chunked',
  factory: createGatedChunked,
  cost: ({ tokens: T, dim: d }, options) => {
    const linear = chunkedKernelParts(T, d, options.chunkSize);
    const c = Math.min(options.chunkSize, T);
    const chunks = Math.ceil(T / c);
    const kernels = {
      // linear-chunked's kernels, plus the decays: each token's phi(k) weighted and phi(q) scaled
      // (2 T d), each causal pair inside a chunk scaled (one per pair), each chunk state decayed
      // in the prefix (d (d + 1) per chunk); the cumulative sums (T adds) are left out.
      flops: linear.flops + 2 * T * d + chunks * causalPairs(c) + chunks * d * (d + 1),
      // Plus the cumulative log-decays, written once and read by three kernels.
      moved: linear.moved + 4 * T * F32,
      held: linear.held + T * F32,
      largest: linear.largest,
      io: gatedIoBytes(T, d),
    };
    // And linear-chunked's feature-map pass where the device runs it.
    return headCost(T, d, withFeatureMapPass(kernels, T, d, chunkedRunsFeatureMapPass(d, options)));
  },
});
