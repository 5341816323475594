/**
 * Defines every <la-*> custom element. Import this module once on a page (the article does; an
 * embedding page loads the built widgets bundle) and the tags come alive. Each element is a thin
 * wrapper (src/widgets/elements/la-*.svelte) mounted in a shadow root by define-widget.svelte.ts,
 * with its attributes validated against the widget's doc.ts.
 */
import type { Component } from 'svelte';
import { chunkTunerDoc } from './chunk-tuner/doc.ts';
import { doc as costsDoc } from './costs/doc.ts';
import { defineWidgets, type WidgetDefinition } from './elements/define-widget.svelte.ts';
import LaChunkTuner from './elements/la-chunk-tuner.svelte';
import LaCosts from './elements/la-costs.svelte';
import LaGeneration from './elements/la-generation.svelte';
import LaLearning from './elements/la-learning.svelte';
import LaMask from './elements/la-mask.svelte';
import LaRace from './elements/la-race.svelte';
import LaRecurrence from './elements/la-recurrence.svelte';
import LaTimingChart from './elements/la-timing-chart.svelte';
import { generationDoc } from './generation/doc.ts';
import { learningDoc } from './learning/doc.ts';
import { doc as maskDoc } from './mask/doc.ts';
import { raceDoc } from './race/doc.ts';
import { doc as recurrenceDoc } from './recurrence/doc.ts';
import { timingChartDoc } from './timing-chart/doc.ts';

// Each wrapper's props are the attributes in camelCase; the validation layer guarantees their types.
const as = (component: unknown) => component as Component<Record<string, unknown>>;

/** Every widget: its documentation (attributes and their accepted values) and its component. */
export const WIDGET_DEFINITIONS: readonly WidgetDefinition[] = [
  { doc: raceDoc, component: as(LaRace) },
  { doc: timingChartDoc, component: as(LaTimingChart) },
  { doc: chunkTunerDoc, component: as(LaChunkTuner) },
  { doc: generationDoc, component: as(LaGeneration) },
  { doc: recurrenceDoc, component: as(LaRecurrence) },
  { doc: costsDoc, component: as(LaCosts) },
  { doc: maskDoc, component: as(LaMask) },
  { doc: learningDoc, component: as(LaLearning) },
];

defineWidgets(WIDGET_DEFINITIONS);
