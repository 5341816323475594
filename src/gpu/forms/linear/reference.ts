/**
 * The float64 CPU reference for linear attention (Katharopoulos et al. 2020):
 * a_ij = phi(q_i).phi(k_j), y_i = sum_{j<=i} a_ij v_j, divided by sum_{j<=i} a_ij + 1e-6 when
 * normalised. Two evaluations, both exact in float64 up to rounding: the attention form (O(T^2 d),
 * the definition) and the recurrent form (O(T d^2), fast at large T). Inputs [heads][tokens][dim].
 */
import {
  NORMALIZER_EPS,
  type AttentionProblem,
  type FeatureMap,
  type ResolvedOptions,
} from '../../types.ts';

/** phi(x) for one element, in float64. */
export function applyFeatureMap(x: number, featureMap: FeatureMap): number {
  switch (featureMap) {
    case 'identity':
      return x;
    case 'softplus':
      // max(x, 0) + log1p(exp(-|x|)): never overflows, exact for large |x|.
      return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    case 'elu1':
      return x > 0 ? x + 1 : Math.exp(x);
  }
}

/** phi applied elementwise to a whole array, in float64. */
export function featurize(values: ArrayLike<number>, featureMap: FeatureMap): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = applyFeatureMap(values[i]!, featureMap);
  return out;
}

type LinearOptions = Pick<ResolvedOptions, 'featureMap' | 'normalize'>;

/** The attention form, straight from the definition: O(T^2 d) per head. */
export function referenceLinearAttentionQuadratic(
  problem: AttentionProblem,
  options: LinearOptions,
): Float64Array {
  const { heads, tokens: T, dim: d } = problem;
  const qf = featurize(problem.q, options.featureMap);
  const kf = featurize(problem.k, options.featureMap);
  const { v } = problem;
  const out = new Float64Array(heads * T * d);
  const num = new Float64Array(d);
  for (let h = 0; h < heads; h++) {
    const base = h * T * d;
    for (let i = 0; i < T; i++) {
      num.fill(0);
      let den = 0;
      const qi = base + i * d;
      for (let j = 0; j <= i; j++) {
        const kj = base + j * d;
        let a = 0;
        for (let x = 0; x < d; x++) a += qf[qi + x]! * kf[kj + x]!;
        den += a;
        for (let x = 0; x < d; x++) num[x]! += a * v[kj + x]!;
      }
      const scale = options.normalize ? 1 / (den + NORMALIZER_EPS) : 1;
      for (let x = 0; x < d; x++) out[qi + x] = num[x]! * scale;
    }
  }
  return out;
}

/** The recurrent form: S += phi(k) v^T, z += phi(k), y = phi(q) S / (phi(q).z + eps); O(T d^2). */
export function referenceLinearAttentionRecurrent(
  problem: AttentionProblem,
  options: LinearOptions,
): Float64Array {
  const { heads, tokens: T, dim: d } = problem;
  const qf = featurize(problem.q, options.featureMap);
  const kf = featurize(problem.k, options.featureMap);
  const { v } = problem;
  const out = new Float64Array(heads * T * d);
  const S = new Float64Array(d * d);
  const z = new Float64Array(d);
  for (let h = 0; h < heads; h++) {
    S.fill(0);
    z.fill(0);
    for (let i = 0; i < T; i++) {
      const row = h * T * d + i * d;
      for (let r = 0; r < d; r++) {
        const kr = kf[row + r]!;
        z[r]! += kr;
        for (let c = 0; c < d; c++) S[r * d + c]! += kr * v[row + c]!;
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

/**
 * The float64 reference for every linear form: the definition while it is cheap, the recurrent
 * evaluation (the same sums in another order) once T exceeds d.
 */
export function referenceLinearAttention(
  problem: AttentionProblem,
  options: ResolvedOptions,
): Float64Array {
  return problem.tokens <= problem.dim
    ? referenceLinearAttentionQuadratic(problem, options)
    : referenceLinearAttentionRecurrent(problem, options);
}
