/**
 * Float64 references of the attention gradients, for the backward kernels (backward/index.ts).
 * Given the upstream gradient dO = dL/dy of any scalar loss L, they return dL/dq, dL/dk, dL/dv
 * (and dL/dg for the gated family), [heads][tokens][dim] ([heads][tokens] for g). Analytic; the
 * unit test checks them against central finite differences of the forward references.
 *
 * Softmax (scale s = 1/sqrt(d), causal), per head, as in FlashAttention-2's backward (Dao 2023):
 *   P = softmax(s Q K^T), O = P V, D_i = dO_i . O_i,
 *   dV = P^T dO, dP = dO V^T, dS = P * (dP - D), dQ = s dS K, dK = s dS^T Q.
 * Linear and gated (features phi, optional normaliser, pair weights w_ij = exp(G_i - G_j)):
 *   num_i = sum_{j<=i} w_ij (qf_i . kf_j) v_j, den_i = sum_{j<=i} w_ij (qf_i . kf_j) + eps,
 *   y_i = num_i / den_i (or num_i);  dnum_i = dO_i / den_i, dden_i = -(dO_i . y_i) / den_i;
 *   dqf_i = S_i dnum_i + z_i dden_i                 (S_i, z_i the forward state after token i),
 *   dkf_j = R_j v_j + r_j, dv_j = R_j^T kf_j        (R_j = sum_{i>=j} w_ij qf_i dnum_i^T, r_j with dden),
 *   dq = dqf * phi'(q), dk = dkf * phi'(k),
 *   dg_t = sum_{s>=t} (qf_s . dqf_s - kf_s . dkf_s)   (G_s = g_1 + ... + g_s).
 * O(T d^2) per head by a forward and a reverse scan, so it serves long contexts too.
 */
import { NORMALIZER_EPS, type AttentionProblem, type ResolvedOptions } from '../types.ts';
import { featureMapDerivative, featurize } from '../forms/linear/reference.ts';

export { featureMapDerivative };

/** Gradients of the attention inputs; `logDecay` for the gated family only. */
export interface AttentionGradients {
  q: Float64Array;
  k: Float64Array;
  v: Float64Array;
  logDecay?: Float64Array;
}

/**
 * Softmax attention's row statistics and output for the rows of one head that `rows` lists:
 * the log-sum-exp of the scaled scores and the output row. O(i d) per row i.
 */
function softmaxRow(
  problem: AttentionProblem,
  h: number,
  i: number,
): { lse: number; out: Float64Array; scores: Float64Array } {
  const { tokens: T, dim: d, q, k, v } = problem;
  const scale = 1 / Math.sqrt(d);
  const base = h * T * d;
  const scores = new Float64Array(i + 1);
  let max = Number.NEGATIVE_INFINITY;
  for (let j = 0; j <= i; j++) {
    let s = 0;
    for (let x = 0; x < d; x++) s += q[base + i * d + x]! * k[base + j * d + x]!;
    scores[j] = s * scale;
    if (scores[j]! > max) max = scores[j]!;
  }
  let sum = 0;
  for (let j = 0; j <= i; j++) sum += Math.exp(scores[j]! - max);
  const lse = max + Math.log(sum);
  const out = new Float64Array(d);
  for (let j = 0; j <= i; j++) {
    const p = Math.exp(scores[j]! - lse);
    for (let x = 0; x < d; x++) out[x]! += p * v[base + j * d + x]!;
  }
  return { lse, out, scores };
}

/** Which rows of which heads a sampled check covers (every row of every head when omitted). */
export interface GradientRows {
  heads: readonly number[];
  /** Rows whose dq is computed. */
  queryRows: readonly number[];
  /** Rows whose dk and dv are computed (each needs the statistics of every later row). */
  keyRows: readonly number[];
}

/**
 * Softmax attention's gradients in float64. With `rows`, only those heads and rows are filled
 * (the rest stay 0): dq of row i costs O(i d), dk and dv of row j cost O((T - j) T d), so long
 * contexts sample early query rows anywhere and key rows near the end.
 */
export function referenceSoftmaxGradients(
  problem: AttentionProblem,
  dOut: ArrayLike<number>,
  rows?: GradientRows,
): AttentionGradients {
  const { heads, tokens: T, dim: d, q, k, v } = problem;
  const scale = 1 / Math.sqrt(d);
  const dq = new Float64Array(heads * T * d);
  const dk = new Float64Array(heads * T * d);
  const dv = new Float64Array(heads * T * d);
  const all = Array.from({ length: T }, (_, i) => i);
  const headList = rows?.heads ?? Array.from({ length: heads }, (_, h) => h);
  for (const h of headList) {
    const base = h * T * d;
    const queryRows = rows?.queryRows ?? all;
    const keyRows = rows?.keyRows ?? all;
    // Statistics of every row some sampled gradient needs: the query rows, and all rows at or
    // after the first key row.
    const firstKey = keyRows.length > 0 ? Math.min(...keyRows) : T;
    const needed = new Set<number>(queryRows);
    for (let i = firstKey; i < T; i++) needed.add(i);
    const lse = new Float64Array(T);
    const delta = new Float64Array(T);
    const scoresOf = new Map<number, Float64Array>();
    for (const i of needed) {
      const row = softmaxRow(problem, h, i);
      lse[i] = row.lse;
      let s = 0;
      for (let x = 0; x < d; x++) s += dOut[base + i * d + x]! * row.out[x]!;
      delta[i] = s;
      scoresOf.set(i, row.scores);
    }
    const dsOf = (i: number, j: number): { p: number; ds: number } => {
      const p = Math.exp(scoresOf.get(i)![j]! - lse[i]!);
      let dp = 0;
      for (let x = 0; x < d; x++) dp += dOut[base + i * d + x]! * v[base + j * d + x]!;
      return { p, ds: p * (dp - delta[i]!) };
    };
    for (const i of queryRows) {
      for (let j = 0; j <= i; j++) {
        const { ds } = dsOf(i, j);
        for (let x = 0; x < d; x++) dq[base + i * d + x]! += scale * ds * k[base + j * d + x]!;
      }
    }
    for (const j of keyRows) {
      for (let i = j; i < T; i++) {
        const { p, ds } = dsOf(i, j);
        for (let x = 0; x < d; x++) {
          dv[base + j * d + x]! += p * dOut[base + i * d + x]!;
          dk[base + j * d + x]! += scale * ds * q[base + i * d + x]!;
        }
      }
    }
  }
  return { q: dq, k: dk, v: dv };
}

type LinearOptions = Pick<ResolvedOptions, 'featureMap' | 'normalize'>;

/**
 * Linear attention's gradients in float64 (gated when `problem.logDecay` is given), by a forward
 * and a reverse scan per head: O(T d^2). `heads` limits the work to some heads (the rest stay 0).
 */
export function referenceLinearGradients(
  problem: AttentionProblem,
  options: LinearOptions,
  dOut: ArrayLike<number>,
  heads?: readonly number[],
): AttentionGradients {
  const { tokens: T, dim: d, v } = problem;
  const H = problem.heads;
  const g = problem.logDecay;
  const qf = featurize(problem.q, options.featureMap);
  const kf = featurize(problem.k, options.featureMap);
  const dq = new Float64Array(H * T * d);
  const dk = new Float64Array(H * T * d);
  const dv = new Float64Array(H * T * d);
  const dg = g ? new Float64Array(H * T) : undefined;
  const S = new Float64Array(d * d);
  const z = new Float64Array(d);
  const dnum = new Float64Array(T * d);
  const dden = new Float64Array(T);
  const dqf = new Float64Array(T * d);
  for (const h of heads ?? Array.from({ length: H }, (_, i) => i)) {
    const base = h * T * d;
    S.fill(0);
    z.fill(0);
    // Forward scan: the state after token i, the output, and dqf_i.
    for (let i = 0; i < T; i++) {
      const a = g ? Math.exp(g[h * T + i]!) : 1;
      const row = base + i * d;
      for (let r = 0; r < d; r++) {
        z[r] = a * z[r]! + kf[row + r]!;
        for (let c = 0; c < d; c++) S[r * d + c] = a * S[r * d + c]! + kf[row + r]! * v[row + c]!;
      }
      let den = NORMALIZER_EPS;
      for (let r = 0; r < d; r++) den += qf[row + r]! * z[r]!;
      let dyy = 0;
      for (let c = 0; c < d; c++) {
        let num = 0;
        for (let r = 0; r < d; r++) num += qf[row + r]! * S[r * d + c]!;
        const y = options.normalize ? num / den : num;
        dyy += dOut[row + c]! * y;
        dnum[i * d + c] = options.normalize ? dOut[row + c]! / den : dOut[row + c]!;
      }
      dden[i] = options.normalize ? -dyy / den : 0;
      for (let r = 0; r < d; r++) {
        let s = z[r]! * dden[i]!;
        for (let c = 0; c < d; c++) s += S[r * d + c]! * dnum[i * d + c]!;
        dqf[i * d + r] = s;
      }
    }
    // Reverse scan: R_j = qf_j dnum_j^T + a_{j+1} R_{j+1}, r_j likewise with dden.
    S.fill(0);
    z.fill(0);
    let dG = 0;
    for (let j = T - 1; j >= 0; j--) {
      const a = g && j + 1 < T ? Math.exp(g[h * T + j + 1]!) : 1;
      const row = base + j * d;
      for (let r = 0; r < d; r++) {
        z[r] = a * z[r]! + qf[row + r]! * dden[j]!;
        for (let c = 0; c < d; c++) {
          S[r * d + c] = a * S[r * d + c]! + qf[row + r]! * dnum[j * d + c]!;
        }
      }
      let qdq = 0;
      let kdk = 0;
      for (let r = 0; r < d; r++) {
        let s = z[r]!;
        for (let c = 0; c < d; c++) s += S[r * d + c]! * v[row + c]!;
        kdk += kf[row + r]! * s;
        qdq += qf[row + r]! * dqf[j * d + r]!;
        dk[row + r] = s * featureMapDerivative(problem.k[row + r]!, options.featureMap);
        dq[row + r] =
          dqf[j * d + r]! * featureMapDerivative(problem.q[row + r]!, options.featureMap);
      }
      for (let c = 0; c < d; c++) {
        let s = 0;
        for (let r = 0; r < d; r++) s += S[r * d + c]! * kf[row + r]!;
        dv[row + c] = s;
      }
      if (dg) {
        dG += qdq - kdk;
        dg[h * T + j] = dG;
      }
    }
  }
  return dg ? { q: dq, k: dk, v: dv, logDecay: dg } : { q: dq, k: dk, v: dv };
}
