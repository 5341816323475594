/**
 * The float64 CPU reference for gated linear attention: per head and token a decay
 * a_t = exp(g_t), g_t <= 0, so that
 *   S_t = a_t S_{t-1} + phi(k_t) v_t^T,  z_t = a_t z_{t-1} + phi(k_t),
 *   y_t = phi(q_t) S_t, divided by phi(q_t) . z_t + eps when normalised
 * (RetNet's and GLA's scalar gate; Mamba-2's SSD with a scalar per token). Unrolled:
 *   y_i = sum_{j<=i} exp(G_i - G_j) (phi(q_i) . phi(k_j)) v_j,  G_i = g_1 + ... + g_i.
 * Two evaluations: the unrolled sum (O(T^2 d), the definition, with the decay of each pair summed
 * directly so no exponent is ever positive) and the recurrence (O(T d^2)). Inputs
 * [heads][tokens][dim]; logDecay [heads][tokens].
 */
import { NORMALIZER_EPS, type AttentionProblem, type ResolvedOptions } from '../../types.ts';
import { featurize } from '../linear/reference.ts';

type GatedOptions = Pick<ResolvedOptions, 'featureMap' | 'normalize'>;

/** The problem's g_t; the validator has checked it exists, has heads x tokens values, each <= 0. */
function logDecayOf(problem: AttentionProblem): Float32Array {
  if (!problem.logDecay) throw new Error('gated attention needs logDecay');
  return problem.logDecay;
}

/** The unrolled sum, straight from the definition: O(T^2 d) per head. */
export function referenceGatedQuadratic(
  problem: AttentionProblem,
  options: GatedOptions,
): Float64Array {
  const { heads, tokens: T, dim: d, v } = problem;
  const g = logDecayOf(problem);
  const qf = featurize(problem.q, options.featureMap);
  const kf = featurize(problem.k, options.featureMap);
  const out = new Float64Array(heads * T * d);
  const num = new Float64Array(d);
  for (let h = 0; h < heads; h++) {
    const base = h * T * d;
    for (let i = 0; i < T; i++) {
      num.fill(0);
      let den = 0;
      const qi = base + i * d;
      // sum_{j < m <= i} g_m, grown backwards from j = i: the decay from key j to query i.
      let decay = 0;
      for (let j = i; j >= 0; j--) {
        if (j < i) decay += g[h * T + j + 1]!;
        const kj = base + j * d;
        let a = 0;
        for (let x = 0; x < d; x++) a += qf[qi + x]! * kf[kj + x]!;
        a *= Math.exp(decay);
        den += a;
        for (let x = 0; x < d; x++) num[x]! += a * v[kj + x]!;
      }
      const scale = options.normalize ? 1 / (den + NORMALIZER_EPS) : 1;
      for (let x = 0; x < d; x++) out[qi + x] = num[x]! * scale;
    }
  }
  return out;
}

/** The recurrence: S = a S + phi(k) v^T, z = a z + phi(k), y = phi(q) S / (phi(q).z + eps). */
export function referenceGatedRecurrent(
  problem: AttentionProblem,
  options: GatedOptions,
): Float64Array {
  const { heads, tokens: T, dim: d, v } = problem;
  const g = logDecayOf(problem);
  const qf = featurize(problem.q, options.featureMap);
  const kf = featurize(problem.k, options.featureMap);
  const out = new Float64Array(heads * T * d);
  const S = new Float64Array(d * d);
  const z = new Float64Array(d);
  for (let h = 0; h < heads; h++) {
    S.fill(0);
    z.fill(0);
    for (let i = 0; i < T; i++) {
      const a = Math.exp(g[h * T + i]!);
      const row = h * T * d + i * d;
      for (let r = 0; r < d; r++) {
        const kr = kf[row + r]!;
        z[r] = a * z[r]! + kr;
        for (let c = 0; c < d; c++) S[r * d + c] = a * S[r * d + c]! + kr * v[row + c]!;
      }
      let den = 0;
      for (let r = 0; r < d; r++) den += qf[row + r]! * z[r]!;
      const scale = options.normalize ? 1 / (den + NORMALIZER_EPS) : 1;
      for (let c = 0; c < d; c++) {
        let num = 0;
        for (let r = 0; r < d; r++) num += qf[row + r]! * S[r * d + c]!;
        out[row + c] = num * scale;
      }
    }
  }
  return out;
}

/** The reference for every gated form: the definition while cheap, the recurrence past T = d. */
export function referenceGatedAttention(
  problem: AttentionProblem,
  options: ResolvedOptions,
): Float64Array {
  return problem.tokens <= problem.dim
    ? referenceGatedQuadratic(problem, options)
    : referenceGatedRecurrent(problem, options);
}
