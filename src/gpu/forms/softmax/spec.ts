/** The softmax family: y_i = sum_{j<=i} softmax_j(q_i . k_j / sqrt(d)) v_j. */
import { causalPairs, ioBytesPerHead } from '../../cost-terms.ts';
import type { FormSpec } from '../spec.ts';
import { createSoftmaxFlash } from './flash.ts';
import { createSoftmaxNaive } from './naive.ts';
import { referenceSoftmaxAttention } from './reference.ts';

const F32 = 4;

export const softmaxNaive: FormSpec = {
  id: 'softmax-naive',
  family: 'softmax',
  label: 'Softmax, naive (T×T scores)',
  color: { token: '--la-softmax-naive', fallback: '#c0392b' },
  charted: true,
  stroke: { width: 7, dash: '6 3' },
  inputs: ['q', 'k', 'v'],
  options: [],
  schedule: 'dense',
  factory: createSoftmaxNaive,
  cost: ({ tokens: T, dim: d }) => {
    const io = ioBytesPerHead(T, d);
    // Q K^T and P V over the causal half; the T x T score matrix is written and read back.
    return {
      flops: 4 * d * causalPairs(T),
      bytesMoved: io + 2 * T * T * F32,
      workingBytes: io + T * T * F32,
      largestPerHeadBytes: T * T * F32,
    };
  },
  reference: (problem) => referenceSoftmaxAttention(problem),
  intermediates: 'of scores',
  capacityAdvice: ' The tiled kernel (softmax-flash) needs none.',
};

export const softmaxFlash: FormSpec = {
  id: 'softmax-flash',
  family: 'softmax',
  label: 'Softmax, tiled (flash)',
  color: { token: '--la-softmax-flash', fallback: '#e67e22' },
  charted: true,
  stroke: { width: 4, dash: '' },
  inputs: ['q', 'k', 'v'],
  options: [],
  schedule: 'tiled',
  factory: createSoftmaxFlash,
  cost: ({ tokens: T, dim: d }) => {
    const io = ioBytesPerHead(T, d);
    return {
      flops: 4 * d * causalPairs(T),
      bytesMoved: io,
      // Each row's running (max, sum), kept between dispatches when long rows are split.
      workingBytes: io + T * 2 * F32,
      largestPerHeadBytes: T * d * F32,
    };
  },
  reference: (problem) => referenceSoftmaxAttention(problem),
  intermediates: 'of intermediates',
  capacityAdvice: '',
};
