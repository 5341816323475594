/**
 * The cost models of softmax-flash and linear-chunked on their own, free of kernels, so that build
 * scripts (docs/PERFORMANCE.md's floors table, site/build/readme-numbers.ts) read the same model
 * as the forms' specs, which take their `cost` from here.
 */
import { causalPairs, chunkedFlops, stateBytesPerHead } from '../cost-terms.ts';
import { headCost, type FormSpec } from './spec.ts';

const F32 = 4;

/** Causal QK^T and PV; each row's running (max, sum) is held between dispatches. */
export const softmaxFlashCost: FormSpec['cost'] = ({ tokens: T, dim: d }) =>
  headCost(T, d, { flops: 4 * d * causalPairs(T), held: T * 2 * F32 });

/** chunkedFlops, and every chunk's state written once and read once. */
export const linearChunkedCost: FormSpec['cost'] = ({ tokens: T, dim: d }, { chunkSize: c }) => {
  const states = Math.ceil(T / c) * stateBytesPerHead(d);
  return headCost(T, d, {
    flops: chunkedFlops(T, d, c),
    moved: 2 * states,
    held: states,
    largest: Math.max(T * d * F32, states),
  });
};
