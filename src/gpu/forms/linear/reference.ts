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

/** phi'(x) for one element, in float64 (the backward pass and the trainer's references). */
export function featureMapDerivative(x: number, featureMap: FeatureMap): number {
  switch (featureMap) {
    case 'identity':
      return 1;
    case 'softplus':
      return 1 / (1 + Math.exp(-x));
    case 'elu1':
      return x > 0 ? 1 : Math.exp(x);
  }
}

/** phi applied elementwise to a whole array, in float64. */
export function featurize(values: ArrayLike<number>, featureMap: FeatureMap): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = applyFeatureMap(values[i]!, featureMap);
  return out;
}

type LinearOptions = Pick<ResolvedOptions, 'featureMap' | 'normalize'>;

/**
 * G_t = g_1 + ... + g_t per head, in float64: the decay from key j to query i is
 * exp(G_i - G_j) <= 1 (the gated family); null for ungated attention (every decay 1).
 */
function cumulativeLogDecay(
  logDecay: ArrayLike<number> | undefined,
  heads: number,
  tokens: number,
): Float64Array | null {
  if (!logDecay) return null;
  const G = new Float64Array(heads * tokens);
  for (let h = 0; h < heads; h++) {
    let run = 0;
    for (let t = 0; t < tokens; t++) {
      run += logDecay[h * tokens + t]!;
      G[h * tokens + t] = run;
    }
  }
  return G;
}

/**
 * The attention form, straight from the definition: O(T^2 d) per head. With `logDecay` (the
 * gated family) each pair (i, j) is weighted by exp(G_i - G_j), G the cumulative log-decay.
 */
export function referenceLinearAttentionQuadratic(
  problem: AttentionProblem,
  options: LinearOptions,
  logDecay?: ArrayLike<number>,
): Float64Array {
  const { heads, tokens: T, dim: d } = problem;
  const qf = featurize(problem.q, options.featureMap);
  const kf = featurize(problem.k, options.featureMap);
  const G = cumulativeLogDecay(logDecay, heads, T);
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
        if (G) a *= Math.exp(G[h * T + i]! - G[h * T + j]!);
        den += a;
        for (let x = 0; x < d; x++) num[x]! += a * v[kj + x]!;
      }
      const scale = options.normalize ? 1 / (den + NORMALIZER_EPS) : 1;
      for (let x = 0; x < d; x++) out[qi + x] = num[x]! * scale;
    }
  }
  return out;
}

/**
 * The recurrent form: S = a S + phi(k) v^T, z = a z + phi(k), y = phi(q) S / (phi(q).z + eps);
 * O(T d^2). a = exp(g_t) with `logDecay` (the gated family), else 1.
 */
export function referenceLinearAttentionRecurrent(
  problem: AttentionProblem,
  options: LinearOptions,
  logDecay?: ArrayLike<number>,
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
      const a = logDecay ? Math.exp(logDecay[h * T + i]!) : 1;
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
