/**
 * The cost models of softmax-flash and linear-chunked on their own, free of kernels, so that build
 * scripts (docs/PERFORMANCE.md's floors table, site/build/readme-numbers.ts) read the same model
 * as the forms' specs, which take their `cost` from here; and what the linear forms' feature-map
 * pass adds where it runs.
 */
import { causalPairs, chunkedFlops, stateBytesPerHead } from '../cost-terms.ts';
import { usesWholeOutput } from './linear/whole-output.ts';
import { headCost, type CostOptions, type FormSpec, type HeadCostParts } from './spec.ts';

const F32 = 4;

/** Causal QK^T and PV; each row's running (max, sum) is held between dispatches. */
export const softmaxFlashCost: FormSpec['cost'] = ({ tokens: T, dim: d }) =>
  headCost(T, d, { flops: 4 * d * causalPairs(T), held: T * 2 * F32 });

/**
 * `parts` plus the feature-map pass where it `runs` (mapFeatures in linear/common.ts,
 * linear-feature-map-pass.wgsl): phi(q) and phi(k), T x d float32 each, are held during the run
 * (2 T d floats), and the pass reads q and k and writes them (4 T d floats moved); the kernels
 * after it read phi(q), phi(k) in place of q, k. Its FLOPs (an exp and a log per element for
 * softplus) are left out, as the feature map's are everywhere in the model.
 */
export function withFeatureMapPass(
  parts: HeadCostParts,
  tokens: number,
  dim: number,
  runs: boolean,
): HeadCostParts {
  if (!runs) return parts;
  const mapped = tokens * dim * F32;
  return { ...parts, moved: (parts.moved ?? 0) + 4 * mapped, held: (parts.held ?? 0) + 2 * mapped };
}

/**
 * Whether linear-recurrent and gated-recurrent run the feature-map pass: for every feature map
 * but the identity (linear/recurrent.ts).
 */
export function recurrentRunsFeatureMapPass(options: Pick<CostOptions, 'featureMap'>): boolean {
  return options.featureMap !== 'identity';
}

/**
 * Whether linear-chunked and gated-chunked run the feature-map pass: for a map other than the
 * identity where the sliced output kernel runs, i.e. where the whole-tile kernel does not serve
 * the device (usesWholeOutput: d > 64, c not a multiple of 64, or less workgroup memory than
 * 48 KiB at d = 64); the whole-tile kernel and the summaries map as they stage (linear/chunked.ts).
 */
export function chunkedRunsFeatureMapPass(
  dim: number,
  options: Pick<CostOptions, 'featureMap' | 'chunkSize' | 'workgroupStorageBytes'>,
): boolean {
  return (
    options.featureMap !== 'identity' &&
    !usesWholeOutput(dim, options.chunkSize, options.workgroupStorageBytes)
  );
}

/**
 * linear-chunked's three kernels on phi(Q), phi(K), V as they read them: chunkedFlops (c capped at
 * T: one ragged chunk), and every chunk's state written once and read once. linear-chunked adds
 * the feature-map pass where it runs; linear-chunked-f16 its own pass and copies.
 */
export function chunkedKernelParts(
  tokens: number,
  dim: number,
  chunkSize: number,
): Required<Omit<HeadCostParts, 'io'>> {
  const c = Math.min(chunkSize, tokens);
  const states = Math.ceil(tokens / c) * stateBytesPerHead(dim);
  return {
    flops: chunkedFlops(tokens, dim, c),
    moved: 2 * states,
    held: states,
    largest: Math.max(tokens * dim * F32, states),
  };
}

/** chunkedKernelParts, plus the feature-map pass where the device runs it. */
export const linearChunkedCost: FormSpec['cost'] = ({ tokens: T, dim: d }, options) =>
  headCost(
    T,
    d,
    withFeatureMapPass(
      chunkedKernelParts(T, d, options.chunkSize),
      T,
      d,
      chunkedRunsFeatureMapPass(d, options),
    ),
  );
