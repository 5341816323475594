/**
 * Multi-query associative recall (MQAR; Arora et al., "Zoology: Measuring and Improving Recall in
 * Efficient Language Models", 2023): each sequence lists key-value pairs, then asks for the values
 * of keys it listed. Attention with a full softmax recalls any pair it has seen; a linear
 * attention's fixed-size state holds about as many pairs as its dimension (Schlag et al., 2021),
 * which is what this task measures. Generated on the fly from a seed, no dataset.
 *
 * A sequence of T tokens:   k1 v1 k2 v2 ... kN vN  q1 a1 q2 a2 ... qQ aQ  0 0 ... 0
 * with the N keys distinct, values drawn with replacement, each query q a listed key (the first
 * min(Q, N) queries take distinct keys in random order) and a its value. Only the query positions
 * are scored: the target at q_i is a_i (next-token prediction); every other target is -1.
 * Token 0 is padding, 1..keys are keys, keys + 1 .. keys + values are values.
 */
import { SeededRandom } from './random.ts';
import type { TrainBatch } from './model.ts';

export interface MqarConfig {
  /** Key-value pairs per sequence (N). */
  pairs: number;
  /** Queries per sequence (Q; default N: every key asked once). */
  queries: number;
  /** Distinct key tokens to draw from (>= N). */
  keys: number;
  /** Distinct value tokens. */
  values: number;
  /** Sequence length T (>= 2 N + 2 Q). */
  tokens: number;
}

/** Fills in the defaults: Q = N, keys and values 4 N (at least 16), T = 4 N. */
export function resolveMqarConfig(
  partial: Partial<MqarConfig> & Pick<MqarConfig, 'pairs'>,
): MqarConfig {
  const pairs = partial.pairs;
  const queries = partial.queries ?? pairs;
  return {
    pairs,
    queries,
    keys: partial.keys ?? Math.max(16, 4 * pairs),
    values: partial.values ?? Math.max(16, 4 * pairs),
    tokens: partial.tokens ?? 2 * (pairs + queries),
  };
}

/** The vocabulary the model needs: padding, keys, values. */
export function mqarVocab(config: MqarConfig): number {
  return 1 + config.keys + config.values;
}

/** Throws a RangeError naming the first setting that cannot make a sequence. */
export function validateMqarConfig(config: MqarConfig): void {
  for (const key of ['pairs', 'queries', 'keys', 'values', 'tokens'] as const) {
    const value = config[key];
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`MQAR ${key} must be a positive integer (got ${value}).`);
    }
  }
  if (config.keys < config.pairs) {
    throw new RangeError(
      `MQAR needs at least as many key tokens (${config.keys}) as pairs (${config.pairs}).`,
    );
  }
  const needed = 2 * (config.pairs + config.queries);
  if (config.tokens < needed) {
    throw new RangeError(
      `MQAR with ${config.pairs} pairs and ${config.queries} queries needs ${needed} tokens per ` +
        `sequence; got ${config.tokens}.`,
    );
  }
}

/** An endless, seeded stream of MQAR batches. */
export class MqarTask {
  readonly config: MqarConfig;
  readonly vocab: number;
  private readonly random: SeededRandom;

  constructor(config: MqarConfig, seed: number) {
    validateMqarConfig(config);
    this.config = config;
    this.vocab = mqarVocab(config);
    this.random = new SeededRandom(seed);
  }

  /** The next `sequences` sequences. */
  next(sequences: number): TrainBatch {
    const { pairs, queries, keys, values, tokens: T } = this.config;
    const tokens = new Int32Array(sequences * T);
    const targets = new Int32Array(sequences * T).fill(-1);
    for (let s = 0; s < sequences; s++) {
      const base = s * T;
      const keyIds = this.random.distinct(pairs, keys).map((k) => 1 + k);
      const valueIds = keyIds.map(() => 1 + keys + this.random.integer(values));
      for (let i = 0; i < pairs; i++) {
        tokens[base + 2 * i] = keyIds[i]!;
        tokens[base + 2 * i + 1] = valueIds[i]!;
      }
      const order = this.random.distinct(pairs, pairs);
      for (let j = 0; j < queries; j++) {
        const which = j < pairs ? order[j]! : this.random.integer(pairs);
        const at = base + 2 * pairs + 2 * j;
        tokens[at] = keyIds[which]!;
        tokens[at + 1] = valueIds[which]!;
        targets[at] = valueIds[which]!;
      }
    }
    return { tokens, targets };
  }
}
