/**
 * The accuracy of the f16-input kernels (softmax first; linear-chunked-f16 at the end), derived rather than guessed: round-to-nearest
 * f16 for making inputs, the float64 reference of chosen rows, and an elementwise error bound.
 *
 * What the kernels do in finite precision: q, k, v are converted to f16 (WGSL lets a conversion
 * land on either neighbour, so relative error u = 2^-10 per element, not 2^-11); scores are sums
 * of exact f16 x f16 products in f32; p = exp2(.) in f32 (WGSL allows 3 + 2|x| ulp) is rounded to
 * f16 for the P V product, and the row sum l adds the rounded p; the output accumulates in f32,
 * BC keys inside a product and one term per key tile outside it, then is divided by l.
 *
 * For output element (i, c), with R = max_{j<=i} |v_jc - y_ic| and M = max_{j<=i} |v_jc|:
 * - perturbing every weight p_j by a relative w and renormalising moves y by at most
 *   2 w / (1 - w) R (the weights still sum to 1, so only deviations from y count);
 * - perturbing the scores by at most Delta moves the weights by a factor within e^{+-2 Delta},
 *   so y by at most (e^{2 Delta} - 1) R;
 * - f16 subnormals (magnitude below 2^-14) may be flushed to zero: Vulkan lets a driver do so,
 *   and the H200's did (call 1b: errors of 2e-5 to 8e-5 where a value was that small). So a p
 *   below 2^-14 may be off by 2^-14 absolute, adding 2^-14 M / l per such key; a flushed v_jc moves
 *   y by at most its own size, adding F = max |v_jc| over flushed values; a flushed q or k element
 *   moves a score by its product, added to Delta;
 * - f32 accumulation of n terms: gamma_n = n 2^-24 / (1 - n 2^-24) of the sum of |terms|, at most
 *   gamma_n M here, with n = 64 + ceil(T / 16) + 8 (any planned BC >= 16);
 * - rounding v moves y by at most u M.
 * Check "exact inputs" (inputs already f16, so the conversion is exact): w = u + 99 2^-23 (the f16
 * rounding of p and exp2's error for |x| <= 48; smaller p do not matter at this size), Delta =
 * ((gamma_{d+1} + 2^-23) sum_m |q_m k_m| + sum over flushed products |q_m k_m|) / sqrt(d). Check "raw inputs" (float32 inputs, rounded by
 * the kernel; reference on the raw inputs): Delta adds (2u + u^2) sum_m |q_m k_m| / sqrt(d), and
 * u M is added. First-order terms are summed and the total multiplied by 1.01 for their products.
 */
import { NORMALIZER_EPS, type AttentionProblem, type ResolvedOptions } from '../../types.ts';
import { applyFeatureMap } from '../linear/reference.ts';

/** The smallest normal f16; below it a device may flush to zero. */
export const F16_MIN_NORMAL = 2 ** -14;

/** x rounded to the nearest f16 value (ties to even); overflow gives +-Infinity. */
export function roundToF16(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  if (a >= 65520) return sign * Number.POSITIVE_INFINITY;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e -= 1;
  if (2 ** (e + 1) <= a) e += 1;
  const ulp = 2 ** (Math.max(e, -14) - 10);
  const y = a / ulp;
  let r = Math.round(y);
  if (Math.abs(y - Math.floor(y) - 0.5) === 0 && r % 2 !== 0) r -= 1;
  return sign * r * ulp;
}

/** A copy of `values` with every element rounded to f16. */
export function roundArrayToF16(values: ArrayLike<number>): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = roundToF16(values[i]!);
  return out;
}

/** Unit roundoff of a conversion to f16 that may land on either neighbour. */
export const F16_U = 2 ** -10;
const F32_U = 2 ** -24;

function gamma(n: number): number {
  return (n * F32_U) / (1 - n * F32_U);
}

/** Which inputs the reference sees: exactly the kernel's (already f16), or raw f32 inputs. */
export type F16Check = 'exact-inputs' | 'raw-inputs';

export interface F16RowCheck {
  /** max |gpu - reference| over the checked elements. */
  maxError: number;
  /** max |reference| over the checked elements. */
  maxReference: number;
  /** max over the checked elements of |gpu - reference| / bound (<= 1 passes). */
  worstRatio: number;
  /** The bound at the element with the worst ratio. */
  boundAtWorst: number;
  /** Elements checked. */
  elements: number;
  /** Non-finite outputs found (an unwritten, NaN-poisoned element counts). */
  nonFinite: number;
}

function emptyRowCheck(): F16RowCheck {
  return {
    maxError: 0,
    maxReference: 0,
    worstRatio: 0,
    boundAtWorst: 0,
    elements: 0,
    nonFinite: 0,
  };
}

/** Adds one output element (the GPU's `got`, the reference `expected`, its bound) to `result`. */
function scoreElement(result: F16RowCheck, got: number, expected: number, bound: number): void {
  result.elements++;
  result.maxReference = Math.max(result.maxReference, Math.abs(expected));
  if (!Number.isFinite(got)) {
    result.nonFinite++;
    result.worstRatio = Number.POSITIVE_INFINITY;
    return;
  }
  const error = Math.abs(got - expected);
  result.maxError = Math.max(result.maxError, error);
  const ratio = error / bound;
  if (ratio > result.worstRatio) {
    result.worstRatio = ratio;
    result.boundAtWorst = bound;
  }
}

/**
 * Checks `actual` ([heads][tokens][dim]) against the float64 reference of `problem` on the given
 * rows of every head (default all), with the bound above.
 */
export function checkF16Softmax(
  problem: AttentionProblem,
  actual: ArrayLike<number>,
  check: F16Check,
  rows?: readonly number[],
): F16RowCheck {
  const { heads, tokens: T, dim: d, q, k, v } = problem;
  const scale = 1 / Math.sqrt(d);
  const u = F16_U;
  const w = u + 99 * 2 ** -23;
  const weightTerm = (2 * w) / (1 - w);
  const scoreCoefficient = gamma(d + 1) + 2 ** -23 + (check === 'raw-inputs' ? 2 * u + u * u : 0);
  const sumTerm = gamma(64 + Math.ceil(T / 16) + 8) + (check === 'raw-inputs' ? u : 0);
  const which = rows ?? Array.from({ length: T }, (_, i) => i);
  const s = new Float64Array(T);
  const p = new Float64Array(T);
  const y = new Float64Array(d);
  const R = new Float64Array(d);
  const M = new Float64Array(d);
  const F = new Float64Array(d);
  const result = emptyRowCheck();
  for (let h = 0; h < heads; h++) {
    const base = h * T * d;
    for (const i of which) {
      const qi = base + i * d;
      let max = Number.NEGATIVE_INFINITY;
      let delta = 0;
      for (let j = 0; j <= i; j++) {
        const kj = base + j * d;
        let dot = 0;
        let abs = 0;
        let flushed = 0;
        for (let c = 0; c < d; c++) {
          const qc = q[qi + c]!;
          const kc = k[kj + c]!;
          const prod = qc * kc;
          dot += prod;
          abs += Math.abs(prod);
          if (Math.abs(qc) < F16_MIN_NORMAL || Math.abs(kc) < F16_MIN_NORMAL) {
            flushed += Math.abs(prod);
          }
        }
        s[j] = dot * scale;
        delta = Math.max(delta, (abs * scoreCoefficient + flushed) * scale);
        if (s[j]! > max) max = s[j]!;
      }
      let l = 0;
      let subnormal = 0;
      y.fill(0);
      M.fill(0);
      F.fill(0);
      for (let j = 0; j <= i; j++) {
        p[j] = Math.exp(s[j]! - max);
        l += p[j]!;
        // Margin 2x: the kernel's p is relative to a running max at most the final one.
        if (p[j]! < 2 * F16_MIN_NORMAL) subnormal++;
        const vj = base + j * d;
        for (let c = 0; c < d; c++) {
          const vc = v[vj + c]!;
          y[c] = y[c]! + p[j]! * vc;
          M[c] = Math.max(M[c]!, Math.abs(vc));
          if (Math.abs(vc) < F16_MIN_NORMAL) F[c] = Math.max(F[c]!, Math.abs(vc));
        }
      }
      for (let c = 0; c < d; c++) y[c] = y[c]! / l;
      R.fill(0);
      for (let j = 0; j <= i; j++) {
        const vj = base + j * d;
        for (let c = 0; c < d; c++) R[c] = Math.max(R[c]!, Math.abs(v[vj + c]! - y[c]!));
      }
      const perturb = weightTerm + Math.expm1(2 * delta);
      for (let c = 0; c < d; c++) {
        const bound =
          1.01 * (perturb * R[c]! + (sumTerm + (subnormal * F16_MIN_NORMAL) / l) * M[c]! + F[c]!) +
          1e-30;
        scoreElement(result, actual[qi + c]!, y[c]!, bound);
      }
    }
  }
  return result;
}

/**
 * The bound for linear-chunked-f16 (forms/f16/linear-f16.ts), derived the same way. The kernels
 * compute linear attention exactly as the float32 form does, in f32, from phi(q), phi(k) (phi
 * evaluated in f32) and v each rounded to f16 once. So for output (i, c) of the unnormalised form,
 * y_ic = sum_{j<=i} s_ij v_jc with s_ij = phi(q_i) . phi(k_j):
 * - a rounded value x~ is within e(x) of x: u |x| (either neighbour), plus, below 2^-14 (f16
 *   subnormals, which a device may flush), their own size, taken as 2^-14; phi evaluated in f32
 *   (WGSL's exp and log) adds at most 2^-16 |x| + 2^-20 for softplus and elu1 (none for the
 *   identity). With x^ = |x| + e(x), a_ij = sum_m q^_m k^_jm bounds |s~_ij| and
 *   a_ij - b_ij (b_ij = sum_m |q_m k_jm|) bounds |s~_ij - s_ij|;
 * - so |s~ v~ - s v| <= (a - b) v^ + b e(v);
 * - f32 accumulation: every product q_m k_jm v_jc passes through at most n = 2c + ceil(T / c) +
 *   d + 7 roundings on any path of the chunked form (k v over c tokens, the prefix over chunks, the
 *   d-term state product; or the d-term score and up to c keys; the sums, the division), so the
 *   computed sums are within gamma_n sum_j a_ij v^_jc.
 * E_n = sum_j [(a_ij - b_ij) v^_jc + b_ij e(v_jc) + gamma_n a_ij v^_jc] bounds the numerator's
 * error; normalised, E_d = sum_j [(a_ij - b_ij) + gamma_n a_ij] the denominator's, and
 * |y~ - y| <= (E_n + |y| E_d) / (|den + eps| - E_d) (unbounded, and not counted, where that
 * divisor is not positive). The total is multiplied by 1.01 for second-order terms.
 */
export function checkF16Linear(
  problem: AttentionProblem,
  options: Pick<ResolvedOptions, 'featureMap' | 'normalize' | 'chunkSize'>,
  actual: ArrayLike<number>,
  rows?: readonly number[],
): F16RowCheck {
  const { heads, tokens: T, dim: d } = problem;
  const c = Math.max(1, Math.min(options.chunkSize, T));
  const g = gamma(2 * c + Math.ceil(T / c) + d + 7);
  const mapped = options.featureMap !== 'identity';
  const phiError = (x: number): number =>
    F16_U * Math.abs(x) +
    (mapped ? 2 ** -16 * Math.abs(x) + 2 ** -20 : 0) +
    (Math.abs(x) < 2 * F16_MIN_NORMAL ? F16_MIN_NORMAL : 0);
  const n = heads * T * d;
  const q = new Float64Array(n);
  const k = new Float64Array(n);
  const qHat = new Float64Array(n);
  const kHat = new Float64Array(n);
  const vAbs = new Float64Array(n);
  const vHat = new Float64Array(n);
  const vErr = new Float64Array(n);
  for (let e = 0; e < n; e++) {
    q[e] = applyFeatureMap(problem.q[e]!, options.featureMap);
    k[e] = applyFeatureMap(problem.k[e]!, options.featureMap);
    qHat[e] = Math.abs(q[e]!) + phiError(q[e]!);
    kHat[e] = Math.abs(k[e]!) + phiError(k[e]!);
    const v = problem.v[e]!;
    vAbs[e] = Math.abs(v);
    vErr[e] = F16_U * Math.abs(v) + (Math.abs(v) < F16_MIN_NORMAL ? Math.abs(v) : 0);
    vHat[e] = vAbs[e]! + vErr[e]!;
  }
  const which = rows ?? Array.from({ length: T }, (_, i) => i);
  const num = new Float64Array(d);
  const errN = new Float64Array(d);
  const result = emptyRowCheck();
  for (let h = 0; h < heads; h++) {
    const base = h * T * d;
    for (const i of which) {
      const qi = base + i * d;
      num.fill(0);
      errN.fill(0);
      let den = 0;
      let errD = 0;
      for (let j = 0; j <= i; j++) {
        const kj = base + j * d;
        let s = 0;
        let a = 0;
        let b = 0;
        for (let m = 0; m < d; m++) {
          s += q[qi + m]! * k[kj + m]!;
          a += qHat[qi + m]! * kHat[kj + m]!;
          b += Math.abs(q[qi + m]! * k[kj + m]!);
        }
        den += s;
        errD += a - b + g * a;
        for (let col = 0; col < d; col++) {
          num[col] = num[col]! + s * problem.v[kj + col]!;
          errN[col] = errN[col]! + (a - b + g * a) * vHat[kj + col]! + b * vErr[kj + col]!;
        }
      }
      const divisor = Math.abs(den + NORMALIZER_EPS) - errD;
      for (let col = 0; col < d; col++) {
        const y = options.normalize ? num[col]! / (den + NORMALIZER_EPS) : num[col]!;
        const bound = options.normalize
          ? divisor > 0
            ? (1.01 * (errN[col]! + Math.abs(y) * errD)) / divisor
            : Number.POSITIVE_INFINITY
          : 1.01 * errN[col]! + 1e-30;
        scoreElement(result, actual[qi + col]!, y, bound);
      }
    }
  }
  return result;
}
