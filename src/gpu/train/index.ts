/** The tiny trainer: a small transformer trained in WGSL, and the MQAR task it is trained on. */
export {
  DEFAULT_OPTIMIZER,
  TRAIN_FORMS,
  initialParameters,
  layoutParameters,
  resolveTrainConfig,
  validateTrainConfig,
  type OptimizerConfig,
  type ParameterLayout,
  type ParameterSlot,
  type TrainConfig,
} from './config.ts';
export {
  GpuTrainer,
  validateBatch,
  type StepMetrics,
  type TrainBatch,
  type TrainerOptions,
} from './model.ts';
export {
  createMaterialisedAttention,
  runTrainAttention,
  type TrainAttention,
  type TrainAttentionBuffers,
  type TrainAttentionFactory,
} from './attention.ts';
export {
  MqarTask,
  mqarVocab,
  resolveMqarConfig,
  validateMqarConfig,
  type MqarConfig,
} from './mqar.ts';
export { learningRateAt, trainMqar, type MqarCurve, type MqarRunOptions } from './run.ts';
export { createFastAttention, FAST_ATTENTION_CHUNK } from './attention-fast.ts';
export {
  createLayerTraining,
  initialLayerParameters,
  layerCapacityReason,
  layerFlops,
  resolveLayerConfig,
  runLayerGradients,
  type LayerBuffers,
  type LayerGradients,
  type LayerTraining,
} from './layer.ts';
export type { BlockConfig } from './block.ts';
export {
  referenceAdamW,
  referenceBlockBackward,
  referenceBlockForward,
  referenceStep,
} from './reference.ts';
export { SeededRandom } from './random.ts';
