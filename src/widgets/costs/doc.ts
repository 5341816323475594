import type { WidgetDoc } from '../catalog-types.ts';
import { dimAttribute, chunkSizeAttribute, THEME_ATTRIBUTE } from '../shared/attributes.ts';

/** <la-costs>: the attributes, as the course-author page lists them. */
export const doc: WidgetDoc = {
  tag: 'la-costs',
  title: 'The cost explorer',
  summary:
    "FLOPs or memory of the five forms of the source post and gated chunked attention against context length on a log-log chart, from the engine's cost models, with sliders for T, d and c, the theoretical crossover and the best chunk size under the model. Runs without a GPU.",
  attributes: [
    {
      name: 'tokens',
      type: 'number',
      default: '4096',
      description: 'Context length T, snapped to a power of two from 64 to 1,048,576.',
      accepts: { kind: 'integer', min: 64, max: 1048576, powerOfTwo: true },
    },
    dimAttribute('Head dimension d: 16, 32, 64 or 128.'),
    chunkSizeAttribute('Chunk size c of the chunked form: 16, 32, 64, 128 or 256.'),
    {
      name: 'metric',
      type: "'flops' | 'memory'",
      default: 'flops',
      description: 'What the chart shows first (the reader can switch).',
      accepts: { kind: 'enum', values: ['flops', 'memory'] },
    },
    THEME_ATTRIBUTE,
  ],
  usesGpu: false,
  example: '<la-costs tokens="8192" dim="64" chunk-size="64"></la-costs>',
};
