/** Terms the forms' cost models share (see costs.ts and each form's spec). */

const F32 = 4;

/** Causal (query, key) pairs: T (T + 1) / 2. */
export function causalPairs(tokens: number): number {
  return (tokens * (tokens + 1)) / 2;
}

/** q, k, v in and y out of one head: 4 T d floats. */
export function ioBytesPerHead(tokens: number, dim: number): number {
  return 4 * tokens * dim * F32;
}

/** A linear-attention state of one head: S (d x d) and the normaliser z (d). */
export function stateBytesPerHead(dim: number): number {
  return dim * (dim + 1) * F32;
}

/**
 * Per token: its share of K_b^T V_b and phi(q) S_b (4 d^2); inside its chunk, the causal pairs of
 * the attention form (4 d per pair); per chunk, the prefix over states (d^2 adds). The gated
 * chunked form adds its decays to this.
 */
export function chunkedFlops(T: number, d: number, c: number): number {
  const chunks = Math.ceil(T / c);
  return T * (4 * d * d + 4 * d) + 4 * d * chunks * causalPairs(c) + chunks * d * (d + 1);
}
