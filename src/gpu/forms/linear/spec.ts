/**
 * The linear family: y_i = sum_{j<=i} (phi(q_i) . phi(k_j)) v_j, divided by
 * sum_{j<=i} phi(q_i) . phi(k_j) + eps when normalised; three ways to compute it.
 */
import { causalPairs, ioBytesPerHead, stateBytesPerHead } from '../../cost-terms.ts';
import type { FormSpec } from '../spec.ts';
import { createLinearAttention } from './attention.ts';
import { createLinearChunked } from './chunked.ts';
import { createLinearRecurrent } from './recurrent.ts';
import { referenceLinearAttention } from './reference.ts';

const F32 = 4;

export const linearAttention: FormSpec = {
  id: 'linear-attention',
  family: 'linear',
  label: 'Linear, attention form',
  color: { token: '--la-linear-attention', fallback: '#2a9d8f' },
  charted: true,
  stroke: { width: 2, dash: '2 3' },
  inputs: ['q', 'k', 'v'],
  options: ['featureMap', 'normalize'],
  schedule: 'tiled',
  factory: createLinearAttention,
  cost: ({ tokens: T, dim: d }) => {
    const io = ioBytesPerHead(T, d);
    return {
      flops: 4 * d * causalPairs(T),
      bytesMoved: io,
      workingBytes: io,
      largestPerHeadBytes: T * d * F32,
    };
  },
  reference: referenceLinearAttention,
  intermediates: 'of intermediates',
  capacityAdvice: '',
};

export const linearRecurrent: FormSpec = {
  id: 'linear-recurrent',
  family: 'linear',
  label: 'Linear, recurrent form',
  color: { token: '--la-linear-recurrent', fallback: '#2f6fb5' },
  charted: true,
  stroke: { width: 2.25, dash: '' },
  inputs: ['q', 'k', 'v'],
  options: ['featureMap', 'normalize'],
  schedule: 'recurrent',
  factory: createLinearRecurrent,
  cost: ({ tokens: T, dim: d }) => {
    const io = ioBytesPerHead(T, d);
    return {
      // S += phi(k) v^T and y = phi(q) S: 2 d^2 each per token, plus the normaliser's 4 d.
      flops: T * (4 * d * d + 4 * d),
      bytesMoved: io,
      workingBytes: io + stateBytesPerHead(d),
      largestPerHeadBytes: T * d * F32,
    };
  },
  reference: referenceLinearAttention,
  intermediates: 'of intermediates',
  capacityAdvice: '',
};

export const linearChunked: FormSpec = {
  id: 'linear-chunked',
  family: 'linear',
  label: 'Linear, chunked form',
  color: { token: '--la-linear-chunked', fallback: '#6c4bbf' },
  charted: true,
  stroke: { width: 2.25, dash: '8 3 2 3' },
  inputs: ['q', 'k', 'v'],
  options: ['featureMap', 'normalize', 'chunkSize'],
  schedule: 'chunked',
  factory: createLinearChunked,
  cost: ({ tokens: T, dim: d }, { chunkSize: c }) => {
    const io = ioBytesPerHead(T, d);
    const state = stateBytesPerHead(d);
    const chunks = Math.ceil(T / c);
    return {
      // Per token: its share of K_b^T V_b and phi(q) S_b (4 d^2); inside its chunk, the causal
      // pairs of the attention form (4 d per pair); per chunk, the prefix over states (d^2 adds).
      flops: T * (4 * d * d + 4 * d) + 4 * d * chunks * causalPairs(c) + chunks * d * (d + 1),
      bytesMoved: io + 2 * chunks * state,
      workingBytes: io + chunks * state,
      largestPerHeadBytes: Math.max(T * d * F32, chunks * state),
    };
  },
  reference: referenceLinearAttention,
  intermediates: 'of chunk states',
  capacityAdvice: '',
};
