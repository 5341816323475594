import type { WidgetDoc } from '../catalog-types.ts';

/** <la-race>: how to embed it (the course-author page is generated from this). */
export const raceDoc: WidgetDoc = {
  tag: 'la-race',
  title: 'The race',
  summary:
    "Times softmax attention (tiled, flash) against chunked linear attention at one context length on the reader's GPU, and says which is faster and by how much next to what the FLOP counts predict. Without WebGPU it shows the reference GPU's numbers.",
  attributes: [
    {
      name: 'tokens',
      type: 'number',
      default: '4096',
      description: "Starting context length (snapped to the slider's half-octave steps).",
    },
    {
      name: 'min-tokens',
      type: 'number',
      default: '128',
      description: 'Shortest context length on the slider.',
    },
    {
      name: 'max-tokens',
      type: 'number',
      default: '131072',
      description:
        'Longest context length on the slider; lowered further to what the device can hold.',
    },
    {
      name: 'heads',
      type: 'number',
      default: '12',
      description: 'Attention heads (also choosable in the widget).',
    },
    {
      name: 'dim',
      type: '16 | 32 | 64 | 128',
      default: '64',
      description: 'Head dimension d (also choosable in the widget).',
    },
    {
      name: 'chunk-size',
      type: '16 | 32 | 64 | 128 | 256',
      default: '64',
      description: 'Chunk size of the chunked linear form.',
    },
    {
      name: 'autorun',
      type: "'true' | 'false'",
      default: 'true',
      description:
        'Run once when the widget nears the viewport; "false" waits for the reader to move the slider.',
    },
  ],
  usesGpu: true,
  example: '<la-race tokens="4096"></la-race>',
};
