/**
 * The float64 CPU reference for gated linear attention: per head and token a decay
 * a_t = exp(g_t), g_t <= 0, so that
 *   S_t = a_t S_{t-1} + phi(k_t) v_t^T,  z_t = a_t z_{t-1} + phi(k_t),
 *   y_t = phi(q_t) S_t, divided by phi(q_t) . z_t + eps when normalised
 * (RetNet's and GLA's scalar gate; Mamba-2's SSD with a scalar per token). Unrolled:
 *   y_i = sum_{j<=i} exp(G_i - G_j) (phi(q_i) . phi(k_j)) v_j,  G_i = g_1 + ... + g_i.
 * Two evaluations, those of the linear family (linear/reference.ts) with the decays: the unrolled
 * sum (O(T^2 d), the definition, pair weights exp(G_i - G_j) <= 1) and the recurrence (O(T d^2)).
 * Inputs [heads][tokens][dim]; logDecay [heads][tokens].
 */
import type { AttentionProblem, ResolvedOptions } from '../../types.ts';
import {
  referenceLinearAttentionQuadratic,
  referenceLinearAttentionRecurrent,
} from '../linear/reference.ts';

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
  return referenceLinearAttentionQuadratic(problem, options, logDecayOf(problem));
}

/** The recurrence: S = a S + phi(k) v^T, z = a z + phi(k), y = phi(q) S / (phi(q).z + eps). */
export function referenceGatedRecurrent(
  problem: AttentionProblem,
  options: GatedOptions,
): Float64Array {
  return referenceLinearAttentionRecurrent(problem, options, logDecayOf(problem));
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
