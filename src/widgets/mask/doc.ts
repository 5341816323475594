import type { WidgetDoc } from '../catalog-types.ts';
import { ATTENTION_FORMS } from '../../gpu/types.ts';
import { THEME_ATTRIBUTE } from '../shared/attributes.ts';

/** <la-mask>: the attributes, as the course-author page lists them. */
export const doc: WidgetDoc = {
  tag: 'la-mask',
  title: 'The mask',
  summary:
    'A T×T grid of query–key pairs showing what each form computes: the causal triangle (naive), tiles with those above the diagonal skipped (flash), diagonal chunks plus state hand-offs (chunked), or only a state (recurrent). Runs without a GPU.',
  attributes: [
    {
      name: 'form',
      type: ATTENTION_FORMS.map((form) => `'${form}'`).join(' | '),
      default: 'linear-chunked',
      description: 'The form shown first (the reader can switch).',
      accepts: { kind: 'enum', values: ATTENTION_FORMS },
    },
    {
      name: 'tokens',
      type: 'number',
      default: '32',
      description: 'Tokens on each side of the grid (4 to 64).',
      accepts: { kind: 'integer', min: 4, max: 64 },
    },
    {
      name: 'chunk-size',
      type: 'number',
      default: '8',
      description: 'Tile or chunk size in tokens: 2, 4, 8, 16 or 32.',
      accepts: { kind: 'choice', values: [2, 4, 8, 16, 32] },
    },
    THEME_ATTRIBUTE,
  ],
  usesGpu: false,
  example: '<la-mask form="linear-chunked" chunk-size="8"></la-mask>',
};
