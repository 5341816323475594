import type { WidgetDoc } from '../catalog-types.ts';
import { THEME_ATTRIBUTE } from '../shared/attributes.ts';

/** <la-recurrence>: the attributes, as the course-author page lists them. */
export const doc: WidgetDoc = {
  tag: 'la-recurrence',
  title: 'The recurrence',
  summary:
    'Steps a tiny causal linear attention token by token: the state update S_t = S_{t-1} + v_t k_tᵀ and y_t = S_t q_t beside the attention form for the same token, with the same numbers. Runs without a GPU.',
  attributes: [
    {
      name: 'tokens',
      type: 'number',
      default: '8',
      description: 'Tokens in the example (2 to 16).',
      accepts: { kind: 'integer', min: 2, max: 16 },
    },
    {
      name: 'dim',
      type: 'number',
      default: '4',
      description: 'Dimension of q, k and v (2 to 6).',
      accepts: { kind: 'integer', min: 2, max: 6 },
    },
    {
      name: 'seed',
      type: 'number',
      default: '1',
      description: 'Seed of the random q, k, v; "New numbers" moves on from it.',
      accepts: { kind: 'integer', min: 0, max: 4294967295 },
    },
    {
      name: 'interval',
      type: 'number',
      default: '1200',
      description: 'Milliseconds per token while playing.',
      accepts: { kind: 'integer', min: 100, max: 60000 },
    },
    {
      name: 'decay',
      type: 'number',
      default: '1',
      description:
        'The decay a of the state per token, S_t = a S_{t-1} + v_t k_tᵀ (0 to 1; 1 is plain linear attention, below 1 the gated form that forgets). The reader can change it with a slider.',
      accepts: { kind: 'number', min: 0, max: 1 },
    },
    THEME_ATTRIBUTE,
  ],
  usesGpu: false,
  example: '<la-recurrence tokens="8" dim="4" seed="7"></la-recurrence>',
};
