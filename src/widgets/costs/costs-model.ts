/**
 * The cost explorer's questions, answered from the engine's cost models (src/gpu/costs.ts): no
 * formula is repeated here, only evaluated over context lengths and chunk sizes.
 */
import { ioBytesPerHead } from '../../gpu/cost-terms.ts';
import { estimateCost, type CostEstimate } from '../../gpu/costs.ts';
import { CHARTED_FORMS, type AttentionForm } from '../../gpu/forms/registry.ts';
import { CHUNK_SIZES } from '../../gpu/types.ts';
import { formatFlops, formatMemory } from '../shared/format.ts';

export type CostMetric = 'flops' | 'memory';

/** Context lengths the explorer offers: 2^6 (64) to 2^20 (1,048,576). */
export const MIN_LOG2_TOKENS = 6;
export const MAX_LOG2_TOKENS = 20;

/** One head: the cost explorer compares forms, and heads only scale every form alike. */
export function costOf(form: AttentionForm, tokens: number, dim: number, chunkSize: number) {
  // Table 1's memory, the algorithms' own: with the identity map no form runs the feature-map
  // pass, whose phi(q), phi(k) (2 T d floats, the size of the inputs) are the kernels' scratch,
  // not a property of the form; the memory note says so.
  return estimateCost(form, { heads: 1, tokens, dim }, { chunkSize, featureMap: 'identity' });
}

/** Bytes of one head's inputs (q, k, v) and output (y) in fp32: 4 T d floats, as every form has. */
export const inputOutputBytes = ioBytesPerHead;

/**
 * Working memory of one head beyond its inputs and outputs, as Table 1 of the article counts it:
 * naive softmax's T x T scores, tiled softmax's running (max, sum) per row, the recurrent form's one
 * d x d state (and normaliser), the chunked form's state per chunk; zero for the tiled linear
 * attention form, whose tiles stay in on-chip memory.
 */
export function workingMemory(cost: CostEstimate, tokens: number, dim: number): number {
  return Math.max(0, cost.workingBytes - inputOutputBytes(tokens, dim));
}

/** The number a chart plots for a metric: FLOPs, or the working memory beyond inputs and outputs. */
export function metricValue(
  form: AttentionForm,
  tokens: number,
  dim: number,
  chunkSize: number,
  metric: CostMetric,
): number {
  const cost = costOf(form, tokens, dim, chunkSize);
  return metric === 'flops' ? cost.flops : workingMemory(cost, tokens, dim);
}

/** The chunk size (among those `linear-chunked` supports) with the fewest FLOPs for T and d. */
export function bestChunkSize(tokens: number, dim: number): number {
  let best: number = CHUNK_SIZES[0];
  let bestFlops = Infinity;
  for (const c of CHUNK_SIZES) {
    const { flops } = costOf('linear-chunked', tokens, dim, c);
    if (flops < bestFlops) {
      best = c;
      bestFlops = flops;
    }
  }
  return best;
}

/**
 * The smallest T (up to `limit`) from which `form` needs fewer FLOPs than tiled softmax at every
 * larger T checked, or null if it never does below the limit.
 */
export function flopCrossover(
  form: AttentionForm,
  dim: number,
  chunkSize: number,
  limit = 1 << 14,
): number | null {
  let crossing: number | null = null;
  for (let t = 1; t <= limit; t++) {
    const cheaper =
      costOf(form, t, dim, chunkSize).flops < costOf('softmax-flash', t, dim, chunkSize).flops;
    if (cheaper && crossing === null) crossing = t;
    if (!cheaper) crossing = null;
  }
  return crossing;
}

/** Points for one form's line: every power of two (and its midpoint) in the offered range. */
export function seriesTokens(): number[] {
  const out: number[] = [];
  for (let e = MIN_LOG2_TOKENS; e <= MAX_LOG2_TOKENS; e += 0.25) out.push(Math.round(2 ** e));
  return out;
}

export const FORMS: readonly AttentionForm[] = CHARTED_FORMS;

/** A cost in the metric's unit: FLOPs or bytes. */
export function formatMetric(value: number, metric: CostMetric): string {
  return metric === 'flops' ? formatFlops(value) : formatMemory(value);
}
