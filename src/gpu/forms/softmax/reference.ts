/**
 * Causal softmax attention in float64 on the CPU: the ground truth the softmax kernels are
 * checked against. Scale 1/sqrt(d) (as in GPT-2); the running max keeps exp() finite for logits
 * in the hundreds.
 */
import type { AttentionProblem } from '../../types.ts';

/** y_i = sum_{j<=i} softmax_j(q_i . k_j / sqrt(d)) v_j for every head; [heads][tokens][dim]. */
export function referenceSoftmaxAttention(problem: AttentionProblem): Float64Array {
  const { heads, tokens: T, dim: d, q, k, v } = problem;
  const out = new Float64Array(heads * T * d);
  const scale = 1 / Math.sqrt(d);
  const scores = new Float64Array(T);
  const acc = new Float64Array(d);
  for (let h = 0; h < heads; h++) {
    const base = h * T * d;
    for (let i = 0; i < T; i++) {
      const qi = base + i * d;
      let max = Number.NEGATIVE_INFINITY;
      for (let j = 0; j <= i; j++) {
        const kj = base + j * d;
        let s = 0;
        for (let c = 0; c < d; c++) s += q[qi + c]! * k[kj + c]!;
        s *= scale;
        scores[j] = s;
        if (s > max) max = s;
      }
      acc.fill(0);
      let sum = 0;
      for (let j = 0; j <= i; j++) {
        const p = Math.exp(scores[j]! - max);
        sum += p;
        const vj = base + j * d;
        for (let c = 0; c < d; c++) acc[c] = acc[c]! + p * v[vj + c]!;
      }
      for (let c = 0; c < d; c++) out[qi + c] = acc[c]! / sum;
    }
  }
  return out;
}
