import type { WidgetDoc } from '../catalog-types.ts';
import { headsAttribute, dimAttribute, THEME_ATTRIBUTE } from '../shared/attributes.ts';

/** <la-generation>: how to embed it (the course-author page is generated from this). */
export const generationDoc: WidgetDoc = {
  tag: 'la-generation',
  title: 'Generation',
  summary:
    "Time to generate one token against its position, for a softmax KV cache (grows with the position) and a linear recurrent state (stays flat), measured on the reader's GPU with the single-token kernels. The reference GPU's numbers show first.",
  attributes: [
    {
      name: 'min-position',
      type: 'number',
      default: '128',
      description: 'First position timed (powers of two from here).',
      accepts: { kind: 'integer', min: 1, max: 1048576 },
    },
    {
      name: 'max-position',
      type: 'number',
      default: '32768',
      description: 'Last position timed.',
      accepts: { kind: 'integer', min: 1, max: 1048576 },
    },
    headsAttribute(),
    dimAttribute(),
    THEME_ATTRIBUTE,
  ],
  ordered: [['min-position', 'max-position']],
  usesGpu: true,
  example: '<la-generation max-position="65536"></la-generation>',
};
