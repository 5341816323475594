/**
 * Sweeps (split by job into sweep/: types, plans, runner, inputs): context-length sweeps of the attention forms, a chunk-size search for linear-chunked
 * (and its cached per-device answer, chunk-choice.ts),
 * and per-token decode time against position. Each yields one record per point as soon as it is
 * known (for a progress bar and a live chart), stays within a per-point and a per-sweep time
 * budget, stops a series where the next point would not fit the budget or the device's memory
 * (the record says which), and can be cancelled at any point, freeing its GPU buffers.
 */
export { capacityReason } from './capacity.ts';
export * from './sweep/chunk-choice.ts';
export * from './sweep/inputs.ts';
export * from './sweep/plans.ts';
export { budgetReason, collectSweep, describeRuntime, pickFastest } from './sweep/runner.ts';
export * from './sweep/types.ts';
export { sweepTraining } from './sweep/train.ts';
export { sweepLayerTraining } from './sweep/layer.ts';
