/**
 * What the cost explorer knows: T (as a power of two), d, c and the metric on the chart, and the
 * costs of every form derived from them through the engine's cost models.
 */
import { theoreticalCrossover } from '../../gpu/costs.ts';
import { CHUNK_SIZES, SUPPORTED_DIMS, type AttentionForm } from '../../gpu/types.ts';
import {
  bestChunkSize,
  costOf,
  flopCrossover,
  FORMS,
  MAX_LOG2_TOKENS,
  metricValue,
  MIN_LOG2_TOKENS,
  seriesTokens,
  workingMemory,
  type CostMetric,
} from './costs-model.ts';

export interface CostsOptions {
  tokens?: number;
  dim?: number;
  chunkSize?: number;
  metric?: CostMetric;
}

export interface FormCost {
  form: AttentionForm;
  flops: number;
  /** Working memory beyond inputs and outputs (Table 1 of the article), bytes. */
  memory: number;
}

export interface Series {
  form: AttentionForm;
  /** Positive values only: a log axis cannot draw zero (the tiled forms' on-chip memory). */
  points: { tokens: number; value: number }[];
}

export class CostsState {
  /** log2 of the context length. */
  log2Tokens = $state(12);
  dimIndex = $state(2);
  chunkIndex = $state(2);
  metric = $state<CostMetric>('flops');

  readonly tokens = $derived(2 ** this.log2Tokens);
  readonly dim: number = $derived(SUPPORTED_DIMS[this.dimIndex] ?? 64);
  readonly chunkSize: number = $derived(CHUNK_SIZES[this.chunkIndex] ?? 64);

  readonly costs: FormCost[] = $derived(
    FORMS.map((form) => {
      const cost = costOf(form, this.tokens, this.dim, this.chunkSize);
      return { form, flops: cost.flops, memory: workingMemory(cost, this.tokens, this.dim) };
    }),
  );
  readonly series: Series[] = $derived(
    FORMS.map((form) => ({
      form,
      points: seriesTokens()
        .map((tokens) => ({
          tokens,
          value: metricValue(form, tokens, this.dim, this.chunkSize, this.metric),
        }))
        .filter((p) => p.value > 0),
    })),
  );
  /** Where the recurrent form's FLOPs drop below the attention form's (about 2d). */
  readonly crossover = $derived(theoreticalCrossover(this.dim));
  /** The same for the chunked form at the chosen c, found by evaluating the model. */
  readonly chunkedCrossover = $derived(flopCrossover('linear-chunked', this.dim, this.chunkSize));
  readonly bestChunk = $derived(bestChunkSize(this.tokens, this.dim));

  constructor(options: CostsOptions = {}) {
    this.configure(options);
  }

  /** Applies attribute values, snapping each to the nearest value the explorer offers. */
  configure({ tokens, dim, chunkSize, metric }: CostsOptions): void {
    if (tokens !== undefined) this.setTokens(tokens);
    if (dim !== undefined) this.dimIndex = nearestIndex(SUPPORTED_DIMS, dim);
    if (chunkSize !== undefined) this.chunkIndex = nearestIndex(CHUNK_SIZES, chunkSize);
    if (metric === 'flops' || metric === 'memory') this.metric = metric;
  }

  setTokens(tokens: number): void {
    const e = Math.round(Math.log2(Math.max(1, tokens)));
    this.log2Tokens = Math.min(MAX_LOG2_TOKENS, Math.max(MIN_LOG2_TOKENS, e));
  }

  costFor(form: AttentionForm): FormCost | undefined {
    return this.costs.find((c) => c.form === form);
  }
}

function nearestIndex(values: readonly number[], x: number): number {
  let best = 0;
  values.forEach((v, i) => {
    if (Math.abs(Math.log2(v / x)) < Math.abs(Math.log2((values[best] ?? v) / x))) best = i;
  });
  return best;
}
