/** The public face of the framework-free WebGPU engine (page, worker and Node alike). */
export * from './device.ts';
export { addVectors } from './vector-add.ts';
// Timing, sweeps and result records (issue 4).
export * from './records.ts';
export * from './stats.ts';
export * from './timing.ts';
export { createSpinWork, type SpinShape } from './timing-spin.ts';
export {
  capacityReason,
  budgetReason,
  collectSweep,
  DEFAULT_SWEEP_TOKENS,
  pickFastest,
  searchChunkSize,
  sweepAttention,
  sweepDecode,
  type AttentionFactory,
  type AttentionSweepOptions,
  type ChunkSearchOptions,
  type DecodeFactory,
  type DecodeSweepOptions,
  type DecodeWorkShape,
  type SweepCommon,
  type SweepEvent,
  type SweepGpu,
  type SweepProgress,
} from './sweep.ts';
