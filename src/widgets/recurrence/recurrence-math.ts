/**
 * The recurrence widget's arithmetic, in float64 and free of Svelte so that unit tests can check
 * it: a small causal linear-attention problem (identity feature map, no normaliser, as in the
 * post's derivation) computed twice, once as the state recurrence and once as the attention form.
 */

/** One token's query, key and value, each of length `dim`. */
export interface TokenVectors {
  q: number[];
  k: number[];
  v: number[];
}

export interface RecurrenceExample {
  tokens: number;
  dim: number;
  seed: number;
  steps: TokenVectors[];
}

/** mulberry32: a tiny seeded generator, so that a seed always gives the same numbers. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Draws q, k, v entries from {±0.1, ±0.2, ..., ±1.0}: one decimal, so a reader can follow the
 * products (entries of S have two decimals, outputs three), and never zero, so no cell is idle.
 */
export function createExample(seed: number, tokens = 8, dim = 4): RecurrenceExample {
  const random = createRandom(seed);
  const entry = () => ((random() < 0.5 ? -1 : 1) * (1 + Math.floor(random() * 10))) / 10;
  const draw = (): number[] => Array.from({ length: dim }, entry);
  const steps = Array.from({ length: tokens }, () => ({ q: draw(), k: draw(), v: draw() }));
  return { tokens, dim, seed, steps };
}

/** A dim x dim matrix as rows: m[row][col]. */
export type Matrix = number[][];

export function zeroMatrix(dim: number): Matrix {
  return Array.from({ length: dim }, () => new Array<number>(dim).fill(0));
}

/** v k^T: row r, column c holds v[r] * k[c] (column-vector convention, y = S q). */
export function outerProduct(v: number[], k: number[]): Matrix {
  return v.map((vr) => k.map((kc) => vr * kc));
}

export function addMatrices(a: Matrix, b: Matrix): Matrix {
  return a.map((row, r) => row.map((x, c) => x + (b[r]?.[c] ?? 0)));
}

export function multiplyMatrixVector(m: Matrix, x: number[]): number[] {
  return m.map((row) => row.reduce((sum, value, c) => sum + value * (x[c] ?? 0), 0));
}

export function dot(a: number[], b: number[]): number {
  return a.reduce((sum, value, i) => sum + value * (b[i] ?? 0), 0);
}

/**
 * The state form, one step per token: S_t = a S_{t-1} + v_t k_t^T, y_t = S_t q_t, with a constant
 * decay 0 <= a <= 1 (gated linear attention with one decay; a = 1 is plain linear attention).
 */
export interface RecurrentStep {
  /** a S_{t-1} (S_{t-1} itself when a = 1). */
  previous: Matrix;
  /** v_t k_t^T, the new term. */
  term: Matrix;
  /** S_t. */
  state: Matrix;
  /** y_t = S_t q_t. */
  output: number[];
}

/** a m, entry by entry. */
export function scaleMatrix(m: Matrix, a: number): Matrix {
  return m.map((row) => row.map((x) => a * x));
}

export function runRecurrence(example: RecurrenceExample, decay = 1): RecurrentStep[] {
  let state = zeroMatrix(example.dim);
  return example.steps.map(({ q, k, v }) => {
    const previous = decay === 1 ? state : scaleMatrix(state, decay);
    const term = outerProduct(v, k);
    state = addMatrices(previous, term);
    return { previous, term, state, output: multiplyMatrixVector(state, q) };
  });
}

/**
 * The attention form for token t (0-based): scores s_j = a^(t-j) q_t . k_j for j <= t (the decay
 * a of runRecurrence, applied once per token between j and t), y_t = sum s_j v_j.
 */
export interface AttentionRow {
  scores: number[];
  output: number[];
}

export function attentionRow(example: RecurrenceExample, t: number, decay = 1): AttentionRow {
  const query = example.steps[t]?.q ?? [];
  const scores = example.steps
    .slice(0, t + 1)
    .map((step, j) => (decay === 1 ? 1 : decay ** (t - j)) * dot(query, step.k));
  const output = new Array<number>(example.dim).fill(0);
  scores.forEach((score, j) => {
    const value = example.steps[j]?.v ?? [];
    for (let i = 0; i < example.dim; i++) output[i] = (output[i] ?? 0) + score * (value[i] ?? 0);
  });
  return { scores, output };
}

/** The largest absolute difference between two vectors. */
export function maxAbsDifference(a: number[], b: number[]): number {
  return a.reduce((worst, x, i) => Math.max(worst, Math.abs(x - (b[i] ?? Number.NaN))), 0);
}

/**
 * How both forms show a number: `digits` decimals (2 for S and the scores, 3 for outputs, which
 * show one-decimal inputs exactly), a true minus sign, and no "-0.00".
 */
export function formatEntry(x: number, digits = 2): string {
  const text = x.toFixed(digits);
  return /^-0\.0*$/.test(text) ? text.slice(1) : text.replace('-', '−');
}

const SUPERSCRIPT: Record<string, string> = {
  '-': '⁻',
  '0': '⁰',
  '1': '¹',
  '2': '²',
  '3': '³',
  '4': '⁴',
  '5': '⁵',
  '6': '⁶',
  '7': '⁷',
  '8': '⁸',
  '9': '⁹',
};

/**
 * The largest difference between the two forms, in words a reader can take in: 0 -> "0 (exact)",
 * 4.44e-16 -> "4.4 × 10⁻¹⁶", 0.0123 -> "0.012".
 */
export function formatDifference(x: number): string {
  if (x === 0) return '0 (exact)';
  if (!Number.isFinite(x)) return String(x);
  if (x >= 1e-3) return String(Number(x.toPrecision(2)));
  const [mantissa = '', exponent = ''] = x.toExponential(1).split('e');
  const power = [...String(Number(exponent))].map((ch) => SUPERSCRIPT[ch] ?? ch).join('');
  return `${mantissa} × 10${power}`;
}
