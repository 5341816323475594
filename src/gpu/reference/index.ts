/** The float64 CPU reference for every form: each form's spec names its family's reference. */
import { FORM_SPECS } from '../forms/registry.ts';
import type { AttentionOptions, AttentionProblem } from '../types.ts';
import { validateProblem } from '../validate.ts';

export { referenceLinearAttention } from '../forms/linear/reference.ts';
export { referenceSoftmaxAttention } from '../forms/softmax/reference.ts';

/** What `options.form` should output for this problem, in float64, [heads][tokens][dim]. */
export function referenceAttention(
  problem: AttentionProblem,
  options: AttentionOptions,
): Float64Array {
  const resolved = validateProblem(problem, options);
  return FORM_SPECS[resolved.form].reference(problem, resolved);
}
