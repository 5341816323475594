/**
 * Every widget's documentation as a plain list, for code that runs outside Vite (the site build in
 * Node, the Playwright tests), where catalog.ts's import.meta.glob is not available. A unit test
 * checks that it holds exactly the docs catalog.ts collects.
 */
import type { WidgetDoc } from './catalog-types.ts';
import { chunkTunerDoc } from './chunk-tuner/doc.ts';
import { doc as costsDoc } from './costs/doc.ts';
import { generationDoc } from './generation/doc.ts';
import { learningDoc } from './learning/doc.ts';
import { doc as maskDoc } from './mask/doc.ts';
import { raceDoc } from './race/doc.ts';
import { doc as recurrenceDoc } from './recurrence/doc.ts';
import { timingChartDoc } from './timing-chart/doc.ts';

/** All widgets, sorted by tag. */
export const WIDGET_DOC_LIST: readonly WidgetDoc[] = [
  chunkTunerDoc,
  costsDoc,
  generationDoc,
  learningDoc,
  maskDoc,
  raceDoc,
  recurrenceDoc,
  timingChartDoc,
];
