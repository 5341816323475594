import type { WidgetDoc } from '../catalog-types.ts';
import {
  headsAttribute,
  dimAttribute,
  chunkSizeAttribute,
  THEME_ATTRIBUTE,
} from '../shared/attributes.ts';

/** <la-timing-chart>: how to embed it (the course-author page is generated from this). */
export const timingChartDoc: WidgetDoc = {
  tag: 'la-timing-chart',
  title: 'The timing chart',
  summary:
    "Time per forward pass against context length, log-log, for the five attention forms of the source post and gated chunked attention: the reference GPU's sweep at once, the reader's own GPU on request (Run, with progress and Stop), slope guides, the crossover, exports, and optional overlays of PyTorch's native kernels on the reference GPU and of the source post's published H100 numbers. A second view shows training steps (forward and backward) of attention alone and of a whole layer, ours beside PyTorch's (and flash-linear-attention's where the data has them).",
  attributes: [
    {
      name: 'min-tokens',
      type: 'number',
      default: '128',
      description: 'Shortest context length of the live sweep (powers of two from here).',
      accepts: { kind: 'integer', min: 16, max: 1048576 },
    },
    {
      name: 'max-tokens',
      type: 'number',
      default: '131072',
      description: 'Longest context length of the live sweep.',
      accepts: { kind: 'integer', min: 16, max: 1048576 },
    },
    headsAttribute('Attention heads of the live sweep.'),
    dimAttribute('Head dimension d of the live sweep.'),
    chunkSizeAttribute(
      "Chunk size of the chunked forms in the live sweep. \"auto\" runs each chunked form at the fastest size timed on the reader's GPU: found in this browser from an earlier visit, or by a short search (at most 5 s in all; a slow GPU times what fits) before the sweep, kept for the page; a number fixes the size. The summary says which size ran and why; the reference GPU's points are at the reference dataset's size.",
      { auto: true },
    ),
    {
      name: 'point-budget-ms',
      type: 'number',
      default: '2000',
      description:
        'Wall-clock budget per point; a form whose next point would exceed it stops there.',
      accepts: { kind: 'integer', min: 100, max: 60000 },
    },
    {
      name: 'show-torch',
      type: 'boolean',
      default: 'false',
      description:
        "PyTorch's native kernels (fused SDPA softmax, eager chunked linear) measured on the reference GPU are overlaid when the chart opens, with or without this attribute, so every comparison has its native baseline beside it. Adding this attribute later turns the overlay on and removing it turns it off; the reader can toggle it either way.",
      accepts: { kind: 'boolean' },
    },
    {
      name: 'view',
      type: "'forward' | 'training'",
      default: 'forward',
      description:
        "What the chart shows when it opens: forward passes (the reference GPU, the reader's GPU on request) or training steps (forward and backward, no optimiser step) measured on the reference GPU beside PyTorch's (and flash-linear-attention's where the data has them). The reader can switch; a change of the attribute switches too.",
      accepts: { kind: 'enum', values: ['forward', 'training'] },
    },
    {
      name: 'training-scope',
      type: "'attention' | 'layer'",
      default: 'attention',
      description:
        'In the training view: the training step of attention alone, or of a whole pre-norm transformer layer (layer norms, projections, MLP).',
      accepts: { kind: 'enum', values: ['attention', 'layer'] },
    },
    THEME_ATTRIBUTE,
  ],
  ordered: [['min-tokens', 'max-tokens']],
  usesGpu: true,
  example: '<la-timing-chart max-tokens="32768"></la-timing-chart>',
};
