import type { WidgetDoc } from '../catalog-types.ts';
import { headsAttribute, dimAttribute, THEME_ATTRIBUTE } from '../shared/attributes.ts';

/** <la-chunk-tuner>: how to embed it (the course-author page is generated from this). */
export const chunkTunerDoc: WidgetDoc = {
  tag: 'la-chunk-tuner',
  title: 'The chunk tuner',
  summary:
    "Times chunked linear attention for chunk sizes 16 to 256 at one context length on the reader's GPU and marks the fastest, a U-shaped curve, next to what the FLOP count alone predicts. The reference GPU's search shows first.",
  attributes: [
    {
      name: 'tokens',
      type: 'number',
      default: '4096',
      description: 'Context length T to search at (also choosable in the widget).',
      accepts: { kind: 'integer', min: 256, max: 1048576 },
    },
    headsAttribute(),
    dimAttribute(),
    THEME_ATTRIBUTE,
  ],
  usesGpu: true,
  example: '<la-chunk-tuner tokens="8192"></la-chunk-tuner>',
};
