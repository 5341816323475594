/** Placeholder until the linear float64 reference lands (owned by the linear-forms engineer). */
import type { AttentionProblem, ResolvedOptions } from '../types.ts';

export function referenceLinearAttention(
  problem: AttentionProblem,
  options: ResolvedOptions,
): Float64Array {
  void problem;
  void options;
  throw new Error('not implemented yet');
}
