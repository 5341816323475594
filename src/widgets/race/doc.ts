import type { WidgetDoc } from '../catalog-types.ts';
import {
  headsAttribute,
  dimAttribute,
  chunkSizeAttribute,
  THEME_ATTRIBUTE,
} from '../shared/attributes.ts';
import type { AttentionForm } from '../../gpu/forms/ids.ts';

/**
 * The forms the race offers, as its attributes accept them. Docs load in Node without the kernels
 * (the site build, the browser tests), so these are written out rather than read from the registry;
 * a unit test checks them against race-math.ts, which reads them from the registry (charted softmax
 * forms; chunked forms of the other families).
 */
export const RACE_FORM_CHOICES = {
  softmax: ['softmax-naive', 'softmax-flash'],
  linear: ['linear-chunked', 'gated-chunked'],
} as const satisfies Record<'softmax' | 'linear', readonly AttentionForm[]>;

const union = (forms: readonly string[]) => forms.map((form) => `'${form}'`).join(' | ');

/** <la-race>: how to embed it (the course-author page is generated from this). */
export const raceDoc: WidgetDoc = {
  tag: 'la-race',
  title: 'The race',
  summary:
    "Times softmax attention (tiled, flash, or naive) against chunked linear attention (ungated or gated) at one context length on the reader's GPU, beside the reference GPU's numbers for both and for PyTorch's fused attention on that card, and says which is faster and by how much. On a slow GPU it starts with a short length and works up toward the slider's while the time allows, and says in plain words what it showed instead. Without WebGPU it shows the reference GPU's numbers.",
  attributes: [
    {
      name: 'tokens',
      type: 'number',
      default: '4096',
      description: "Starting context length (snapped to the slider's half-octave steps).",
      accepts: { kind: 'integer', min: 16, max: 1048576 },
    },
    {
      name: 'min-tokens',
      type: 'number',
      default: '128',
      description: 'Shortest context length on the slider.',
      accepts: { kind: 'integer', min: 16, max: 1048576 },
    },
    {
      name: 'max-tokens',
      type: 'number',
      default: '131072',
      description:
        'Longest context length on the slider; lowered further to what the device can hold.',
      accepts: { kind: 'integer', min: 16, max: 1048576 },
    },
    headsAttribute('Attention heads (also choosable in the widget).'),
    dimAttribute('Head dimension d (also choosable in the widget).'),
    chunkSizeAttribute(
      'Chunk size of the chunked linear form. "auto" uses the fastest size timed on the reader\'s GPU: found in this browser from an earlier visit, or by a short search (at most 5 s; a slow GPU times what fits) before the first race, kept for the page; a number fixes the size. The widget says which size it ran and why.',
      { auto: true },
    ),
    {
      name: 'softmax-form',
      type: union(RACE_FORM_CHOICES.softmax),
      default: 'softmax-flash',
      description: 'The softmax form raced (also choosable in the widget).',
      accepts: { kind: 'enum', values: RACE_FORM_CHOICES.softmax },
    },
    {
      name: 'linear-form',
      type: union(RACE_FORM_CHOICES.linear),
      default: 'linear-chunked',
      description:
        'The linear form raced (also choosable in the widget); gated-chunked runs on random log-decays, decays a_t between 0.9 and 1.',
      accepts: { kind: 'enum', values: RACE_FORM_CHOICES.linear },
    },
    {
      name: 'autorun',
      type: "'true' | 'false'",
      default: 'true',
      description:
        'Run once when the widget nears the viewport; "false" waits for the reader to move the slider.',
      accepts: { kind: 'enum', values: ['true', 'false'] },
    },
    THEME_ATTRIBUTE,
  ],
  ordered: [['min-tokens', 'max-tokens']],
  usesGpu: true,
  example: '<la-race tokens="4096"></la-race>',
};
