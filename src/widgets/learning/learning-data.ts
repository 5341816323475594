/**
 * The reference curves of this build (data/learning-h200.json, found with import.meta.glob so a
 * build without the file still works: the widget then shows only the reader's run).
 */
import { adaptLearningReference, type LearningReference } from './learning-reference.ts';

const files = import.meta.glob<unknown>('../../../data/learning-h200.json', {
  eager: true,
  import: 'default',
});

/** The reference curves, or null when the build has none. */
export const learningReference: LearningReference | null = adaptLearningReference(
  Object.values(files)[0],
);
