/**
 * The training-step dataset (data/training-h200.json, written by scripts/make-training-data.mjs from
 * one GPU call), validated for the timing chart's "training step" view. Found with
 * `import.meta.glob`, so a build without the file still works: the view then says that this build
 * has no training-step data. The format and its validator live in training-dataset.ts.
 */
import { adaptTraining, type TrainingDataset } from './training-dataset.ts';

export * from './training-dataset.ts';

const files = import.meta.glob<unknown>('../../../data/training-h200.json', {
  eager: true,
  import: 'default',
});

/** The training-step dataset, or null when the build has none. */
export const trainingData: TrainingDataset | null = adaptTraining(Object.values(files)[0]);
