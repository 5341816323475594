/**
 * The gated family: linear attention whose state decays by a_t = exp(g_t) <= 1 at every token,
 *   y_i = sum_{j<=i} exp(g_{j+1} + ... + g_i) (phi(q_i) . phi(k_j)) v_j
 * (normalised as the linear family when asked): the scalar gate of RetNet (a constant decay per
 * head), GLA and Mamba-2's SSD (a decay per token). Same feature maps and options as the linear
 * family; one more input, the log-decays g_t.
 */
import { causalPairs, ioBytesPerHead, stateBytesPerHead } from '../../cost-terms.ts';
import type { FormSpec } from '../spec.ts';
import { createGatedChunked } from './chunked.ts';
import { createGatedRecurrent } from './recurrent.ts';
import { referenceGatedAttention } from './reference.ts';

const F32 = 4;

/** q, k, v, y and the log-decays of one head. */
function gatedIoBytes(T: number, d: number): number {
  return ioBytesPerHead(T, d) + T * F32;
}

export const gatedRecurrent: FormSpec = {
  id: 'gated-recurrent',
  family: 'gated',
  label: 'Gated linear, recurrent form',
  color: { token: '--la-gated-recurrent', fallback: '#3d8b37' },
  charted: false,
  stroke: { width: 2.25, dash: '4 2' },
  inputs: ['q', 'k', 'v', 'logDecay'],
  options: ['featureMap', 'normalize'],
  schedule: 'recurrent',
  factory: createGatedRecurrent,
  cost: ({ tokens: T, dim: d }) => {
    const io = gatedIoBytes(T, d);
    return {
      // The ungated recurrence's T (4 d^2 + 4 d), plus decaying S and z: d^2 + d per token.
      flops: T * (5 * d * d + 5 * d),
      bytesMoved: io,
      workingBytes: io + stateBytesPerHead(d),
      largestPerHeadBytes: T * d * F32,
    };
  },
  reference: referenceGatedAttention,
  intermediates: 'of intermediates',
  capacityAdvice: '',
};

export const gatedChunked: FormSpec = {
  id: 'gated-chunked',
  family: 'gated',
  label: 'Gated linear, chunked form',
  color: { token: '--la-gated-chunked', fallback: '#8a6d00' },
  charted: true,
  stroke: { width: 2.25, dash: '1 3' },
  inputs: ['q', 'k', 'v', 'logDecay'],
  options: ['featureMap', 'normalize', 'chunkSize'],
  schedule: 'chunked',
  factory: createGatedChunked,
  cost: ({ tokens: T, dim: d }, { chunkSize: c }) => {
    const io = gatedIoBytes(T, d);
    const state = stateBytesPerHead(d);
    const chunks = Math.ceil(T / c);
    return {
      // linear-chunked's FLOPs, plus the decays: each token's phi(k) weighted and phi(q) scaled
      // (2 T d), each causal pair inside a chunk scaled (one per pair), each chunk state decayed
      // in the prefix (d (d + 1) per chunk); the cumulative sums (T adds) are left out.
      flops:
        T * (4 * d * d + 4 * d) +
        4 * d * chunks * causalPairs(c) +
        chunks * d * (d + 1) +
        2 * T * d +
        chunks * causalPairs(c) +
        chunks * d * (d + 1),
      // Plus the cumulative log-decays, written once and read by three kernels.
      bytesMoved: io + 2 * chunks * state + 4 * T * F32,
      workingBytes: io + chunks * state + T * F32,
      largestPerHeadBytes: Math.max(T * d * F32, chunks * state),
    };
  },
  reference: referenceGatedAttention,
  intermediates: 'of chunk states',
  capacityAdvice: '',
};
