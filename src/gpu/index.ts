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
// Attention forms, references and generation (issue 3).
export * from './errors.ts';
export * from './types.ts';
export {
  estimateCost,
  causalPairs,
  theoreticalCrossover,
  type CostEstimate,
  type CostEstimateOptions,
} from './costs.ts';
export { WEBGPU_DEFAULT_WORKGROUP_STORAGE_BYTES } from './limits.ts';
export { validateProblem, validateShape, validateOptions } from './validate.ts';
export {
  checkCapacity,
  checkTotalMemory,
  DEFAULT_MEMORY_CAP_BYTES,
  totalMemoryLimit,
  perBufferLimit,
  planHeadGroups,
  type BufferLimits,
  type HeadGroup,
} from './capacity.ts';
export {
  attentionLabel,
  createResidentAttention,
  runAttention,
  type PoisonableAttention,
  type ResidentLimits,
} from './attention.ts';
export { FORM_FACTORIES } from './forms/index.ts';
export {
  CORE_FORMS,
  FORM_SPECS,
  formUnavailable,
  formFamilies,
  formSpec,
  formsOfFamily,
  isAttentionForm,
  isSoftmaxForm,
  takesOption,
  type FormFamily,
  type FormOption,
  type FormSchedule,
  type FormSpec,
} from './forms/registry.ts';
export type { FormContext, FormFactory, FormKernel } from './forms/form.ts';
export {
  referenceAttention,
  referenceLinearAttention,
  referenceSoftmaxAttention,
} from './reference/index.ts';
export {
  createDecodeWork,
  createDecoder,
  DEFAULT_DECODE_CAPACITY,
  type DecodeWorkRequest,
} from './generation/index.ts';
// The tiny trainer and MQAR (issue 14).
export * from './train/index.ts';
// Training: forward with saved statistics and the backward pass (issue 14).
export {
  createAttentionTraining,
  isTrainableForm,
  referenceLinearGradients,
  referenceSoftmaxGradients,
  runAttentionBackward,
  TRAINABLE_FORMS,
  type AttentionGradients,
  type AttentionTraining,
  type BackwardProblem,
  type BackwardResult,
  type GradientRows,
  type TrainableForm,
  type TrainingBuffers,
} from './backward/index.ts';
