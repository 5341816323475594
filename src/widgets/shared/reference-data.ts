/**
 * The reference dataset (data/reference-h200.json: the sweep's records measured on an NVIDIA H200,
 * committed by the lead) and the published H100 numbers of the source post, validated and adapted
 * for the charts. The widgets show these first ("show known results first") and put the reader's
 * own measurements on top. The format and its validator live in reference-dataset.ts (no bundler
 * features there, so the site build reads the same file through the same code).
 *
 * The reference file is found with `import.meta.glob`, so a build without it still works: the
 * widgets then say that the reference data is missing. A file with `"placeholder": true` is a
 * development stand-in measured on CPU emulation; the widgets label it "placeholder data".
 */
import published from '../../../data/published-h100.json';
import { adaptReference, type ReferenceDataset } from './reference-dataset.ts';

export * from './reference-dataset.ts';

const files = import.meta.glob<unknown>('../../../data/reference-h200.json', {
  eager: true,
  import: 'default',
});

/** The reference dataset, or null when the build has none. */
export const referenceData: ReferenceDataset | null = adaptReference(Object.values(files)[0]);

export interface PublishedSeries {
  label: string;
  meaning: string;
  points: { tokens: number; ms: number }[];
}

export interface PublishedData {
  citation: string;
  url: string;
  measures: string;
  hardware: string;
  series: PublishedSeries[];
}

/** The source post's H100 training-step times (chunked_vs_baselines, 124M), with the citation. */
export const publishedH100: PublishedData = {
  citation: published.citation.text,
  url: published.citation.url,
  measures: published.measures,
  hardware: published.hardware,
  series: published.series.map((s) => ({
    label: s.label,
    meaning: s.meaning,
    points: s.x.map((x, i) => ({ tokens: x, ms: s.y[i] ?? Number.NaN })),
  })),
};
