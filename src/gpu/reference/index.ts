/** The float64 CPU reference for every form: softmax forms share one, linear forms another. */
import { isSoftmaxForm, type AttentionOptions, type AttentionProblem } from '../types.ts';
import { validateProblem } from '../validate.ts';
import { referenceLinearAttention } from './linear.ts';
import { referenceSoftmaxAttention } from './softmax.ts';

export { referenceLinearAttention } from './linear.ts';
export { referenceSoftmaxAttention } from './softmax.ts';

/** What `options.form` should output for this problem, in float64, [heads][tokens][dim]. */
export function referenceAttention(
  problem: AttentionProblem,
  options: AttentionOptions,
): Float64Array {
  const resolved = validateProblem(problem, options);
  return isSoftmaxForm(resolved.form)
    ? referenceSoftmaxAttention(problem)
    : referenceLinearAttention(problem, resolved);
}
