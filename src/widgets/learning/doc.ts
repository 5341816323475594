import type { WidgetDoc } from '../catalog-types.ts';
import { THEME_ATTRIBUTE } from '../shared/attributes.ts';

/** <la-learning>: how to embed it (the course-author page is generated from this). */
export const learningDoc: WidgetDoc = {
  tag: 'la-learning',
  title: 'Learning',
  summary:
    "Tiny transformers with softmax, linear and gated linear attention trained side by side on multi-query associative recall (Arora et al. 2023) on the reader's GPU, in WGSL: loss and recall accuracy per step, steps per second, Stop.",
  attributes: [
    {
      name: 'pairs',
      type: 'number',
      default: '4',
      description: 'Key-value pairs per sequence (the reader can change it).',
      accepts: { kind: 'integer', min: 1, max: 64 },
    },
    {
      name: 'd-model',
      type: '16 | 32 | 64 | 128',
      default: '32',
      description: 'Width of the model (2 heads of half this each).',
      accepts: { kind: 'choice', values: [16, 32, 64, 128] },
    },
    {
      name: 'steps',
      type: 'number',
      default: '300',
      description: 'Training steps per form.',
      accepts: { kind: 'integer', min: 10, max: 5000 },
    },
    {
      name: 'budget-seconds',
      type: 'number',
      default: '180',
      description: 'GPU time the whole run may take; the run stops there and says so.',
      accepts: { kind: 'integer', min: 5, max: 3600 },
    },
    THEME_ATTRIBUTE,
  ],
  usesGpu: true,
  example: '<la-learning pairs="8" steps="500"></la-learning>',
};
