/**
 * The linear family: y_i = sum_{j<=i} (phi(q_i) . phi(k_j)) v_j, divided by
 * sum_{j<=i} phi(q_i) . phi(k_j) + eps when normalised; three ways to compute it.
 */
import { causalPairs, stateBytesPerHead } from '../../cost-terms.ts';
import { defineForm, headCost, type FormFamilyBase } from '../spec.ts';
import {
  linearChunkedCost,
  recurrentRunsFeatureMapPass,
  withFeatureMapPass,
} from '../form-costs.ts';
import { createLinearAttention } from './attention.ts';
import { createLinearChunked } from './chunked.ts';
import { createLinearRecurrent } from './recurrent.ts';
import { referenceLinearAttention } from './reference.ts';

const LINEAR: FormFamilyBase = { family: 'linear', reference: referenceLinearAttention };

export const linearAttention = defineForm('linear-attention', 'Linear, attention form', LINEAR, {
  look: { colour: '#2a9d8f', width: 2, dash: '2 3' },
  schedule: 'tiled',
  factory: createLinearAttention,
  cost: ({ tokens: T, dim: d }) => headCost(T, d, { flops: 4 * d * causalPairs(T) }),
});

export const linearRecurrent = defineForm('linear-recurrent', 'Linear, recurrent form', LINEAR, {
  look: { colour: '#2f6fb5', width: 2.25, dash: '' },
  schedule: 'recurrent',
  factory: createLinearRecurrent,
  // S += phi(k) v^T and y = phi(q) S: 2 d^2 each per token, plus the normaliser's 4 d; the
  // kernel reads phi(q), phi(k) from the feature-map pass unless the map is the identity.
  cost: ({ tokens: T, dim: d }, options) =>
    headCost(
      T,
      d,
      withFeatureMapPass(
        { flops: T * (4 * d * d + 4 * d), held: stateBytesPerHead(d) },
        T,
        d,
        recurrentRunsFeatureMapPass(options),
      ),
    ),
});

export const linearChunked = defineForm('linear-chunked', 'Linear, chunked form', LINEAR, {
  trainable: true,
  look: { colour: '#6c4bbf', width: 2.25, dash: '8 3 2 3' },
  schedule: 'chunked',
  factory: createLinearChunked,
  cost: linearChunkedCost,
});
