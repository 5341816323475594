/** The softmax family: y_i = sum_{j<=i} softmax_j(q_i . k_j / sqrt(d)) v_j. */
import { causalPairs } from '../../cost-terms.ts';
import { defineForm, headCost, type FormFamilyBase } from '../spec.ts';
import { softmaxFlashCost } from '../form-costs.ts';
import { createSoftmaxFlash } from './flash.ts';
import { createSoftmaxNaive } from './naive.ts';
import { referenceSoftmaxAttention } from './reference.ts';

const F32 = 4;

const SOFTMAX: FormFamilyBase = {
  family: 'softmax',
  reference: (problem) => referenceSoftmaxAttention(problem),
};

export const softmaxNaive = defineForm('softmax-naive', 'Softmax, naive (T×T scores)', SOFTMAX, {
  look: { colour: '#c0392b', width: 7, dash: '6 3' },
  schedule: 'dense',
  factory: createSoftmaxNaive,
  // Q K^T and P V over the causal half; the T x T score matrix is written and read back.
  cost: ({ tokens: T, dim: d }) =>
    headCost(T, d, {
      flops: 4 * d * causalPairs(T),
      moved: 2 * T * T * F32,
      held: T * T * F32,
      largest: T * T * F32,
    }),
  capacityAdvice: ' The tiled kernel (softmax-flash) needs none.',
});

export const softmaxFlash = defineForm('softmax-flash', 'Softmax, tiled (flash)', SOFTMAX, {
  trainable: true,
  look: { colour: '#e67e22', width: 4, dash: '' },
  schedule: 'tiled',
  factory: createSoftmaxFlash,
  // Each row's running (max, sum) is held, kept between dispatches when long rows are split.
  cost: softmaxFlashCost,
});
