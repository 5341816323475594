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
