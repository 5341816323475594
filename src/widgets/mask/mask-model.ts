/**
 * Which (query i, key j) pairs of causal attention each form computes, for the mask widget: a pure
 * classification that unit tests check and the view draws. Causality is inclusive (j <= i).
 */
import { FORM_SPECS, type AttentionForm } from '../../gpu/forms/registry.ts';

/**
 * - `score`: a score q_i . k_j is computed and used;
 * - `masked`: computed (or stored) as part of a block, then masked out because j > i;
 * - `skipped`: never computed (a tile or chunk above the diagonal, or no scores at all);
 * - `state`: k_j and v_j reach y_i through a running state, without a score.
 */
export type CellKind = 'score' | 'masked' | 'skipped' | 'state';
export const CELL_KINDS: readonly CellKind[] = ['score', 'masked', 'state', 'skipped'];

/** Block sizes the mask offers (tile size for the tiled forms, chunk size for the chunked one). */
export const MASK_BLOCK_SIZES = [2, 4, 8, 16, 32] as const;

/** Forms whose picture depends on the block size. */
export function usesBlocks(form: AttentionForm): boolean {
  const { schedule } = FORM_SPECS[form];
  return schedule === 'tiled' || schedule === 'chunked';
}

/** Classifies pair (i, j), both 0-based, for `form` with tiles or chunks of `block` tokens. */
export function classifyCell(form: AttentionForm, i: number, j: number, block: number): CellKind {
  const bi = Math.floor(i / block);
  const bj = Math.floor(j / block);
  switch (FORM_SPECS[form].schedule) {
    case 'dense':
      // The naive form materialises the whole T x T matrix: the upper triangle is stored, masked.
      return j <= i ? 'score' : 'masked';
    case 'tiled':
      // Tiles above the diagonal are skipped; diagonal tiles are computed whole and masked inside.
      if (bj > bi) return 'skipped';
      return j <= i ? 'score' : 'masked';
    case 'chunked':
      // Inside a chunk: a c x c block of scores (tril mask); earlier chunks: through S[b].
      if (bj > bi) return 'skipped';
      if (bj < bi) return 'state';
      return j <= i ? 'score' : 'masked';
    case 'recurrent':
      return j <= i ? 'state' : 'skipped';
  }
}

export type CellCounts = Record<CellKind, number>;

export function countCells(form: AttentionForm, tokens: number, block: number): CellCounts {
  const counts: CellCounts = { score: 0, masked: 0, skipped: 0, state: 0 };
  for (let i = 0; i < tokens; i++) {
    for (let j = 0; j < tokens; j++) counts[classifyCell(form, i, j, block)] += 1;
  }
  return counts;
}

/**
 * Where a state is handed on: for the chunked form, the first token of every chunk but the first
 * (S[b] = S[b-1] + K_{b-1}^T V_{b-1}); for the recurrent form, every token but the first.
 * Other forms keep no state.
 */
export function handOffs(form: AttentionForm, tokens: number, block: number): number[] {
  const { schedule } = FORM_SPECS[form];
  const step = schedule === 'chunked' ? block : schedule === 'recurrent' ? 1 : 0;
  if (step === 0) return [];
  const out: number[] = [];
  for (let t = step; t < tokens; t += step) out.push(t);
  return out;
}

/** One sentence for a reader about pair (i, j), 0-based, as the widget says it. */
export function describeCell(form: AttentionForm, i: number, j: number, block: number): string {
  const kind = classifyCell(form, i, j, block);
  const pair = `Query ${i + 1}, key ${j + 1}`;
  switch (kind) {
    case 'score':
      return `${pair}: the score q${i + 1}·k${j + 1} is computed and used.`;
    case 'masked':
      return FORM_SPECS[form].schedule === 'dense'
        ? `${pair}: a future token; the naive form still stores this entry of the T×T matrix, masked out.`
        : `${pair}: a future token inside a diagonal block; computed with the block, then masked out.`;
    case 'state':
      return FORM_SPECS[form].schedule === 'recurrent'
        ? `${pair}: no score; k${j + 1} and v${j + 1} reach y${i + 1} through the running state S${i + 1}.`
        : `${pair}: no score; reaches y${i + 1} through the state S[${Math.floor(i / block)}] handed over from earlier chunks.`;
    case 'skipped':
      return `${pair}: a future token; nothing is computed.`;
  }
}
